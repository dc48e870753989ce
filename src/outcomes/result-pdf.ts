import { londonTime } from '../dates.js';
import { fullName } from '../names.js';
import { type Response } from 'express';
import { DateTime } from 'luxon';
import PDFDocument from 'pdfkit';
import { type ApprenticeDetail } from '../apprentices/store.js';
import type { Db } from '../db/connection.js';
import { ZONE } from '../dates.js';
import { OUTCOME_LABELS, type AttemptKind, type Outcome } from '../grading/model.js';
import { epaoSettingsOf, type AttemptResult } from '../grading/store.js';
import {
  ATTEMPT_KIND_LABELS,
  attemptFeedback,
  KSB_FEEDBACK_LABELS,
  ksbTextsOf,
  type KsbFeedback,
} from '../grading/feedback.js';
import { planForApprentice } from '../plans/store.js';

/**
 * An apprentice's result as feedback per KSB (for the results page and the PDF) and as a PDF,
 * generated on request: from the result page (GET routes.resultPdf) and from the API
 * (GET /api/v1/results/{uln}/pdf). Who sees what follows the results page: administrators
 * every attempt; the apprentice's own provider and employer released attempts only.
 */

/* ---------- The PDF ---------- */

export interface ResultPdfData {
  epaoName: string | null;
  apprentice: { givenNames: string; familyName: string; uln: string };
  standard: { title: string; reference: string; version: string; level: number };
  attempt: {
    number: number;
    kind: AttemptKind;
    overallGrade: string | null;
    /** The grade the methods gave, before a resit or retake cap. */
    combinedGrade: string | null;
    capped: boolean;
    /** The plan's cap for resits and retakes. */
    cap: string | null;
    exceptionalCircumstances: boolean;
    /** YYYY-MM-DD */
    resultOn: string | null;
    /** A UTC instant, or null while not released. */
    releasedAt: string | null;
  };
  methods: {
    name: string;
    mode: string;
    grade: string | null;
    outcome: Outcome | null;
    feedback: KsbFeedback[] | null;
  }[];
  /** Said on the PDF when the plan is a demo, not the published plan. */
  planNotice: string | null;
  /** When the PDF is made (defaults to now). */
  generatedAt: DateTime;
}

/** Everything the PDF shows of one attempt. */
export function resultPdfData(
  db: Db,
  apprentice: ApprenticeDetail,
  result: AttemptResult,
  generatedAt: DateTime,
): ResultPdfData {
  const plan = planForApprentice(db, apprentice);
  const feedback = attemptFeedback(db, plan, ksbTextsOf(db, apprentice), result);
  const { attempt } = result;
  return {
    epaoName: epaoSettingsOf(db).epaoName,
    apprentice: { givenNames: apprentice.givenNames, familyName: apprentice.familyName, uln: apprentice.uln },
    standard: {
      title: apprentice.standardTitle,
      reference: apprentice.standardReference,
      version: apprentice.standardVersion,
      level: apprentice.standardLevel,
    },
    attempt: {
      number: attempt.number,
      kind: attempt.kind,
      overallGrade: attempt.overallGrade,
      combinedGrade: attempt.combinedGrade,
      capped: attempt.capped,
      cap: plan?.resitRetakeGradeCap ?? null,
      exceptionalCircumstances: attempt.exceptionalReason !== null,
      resultOn: attempt.resultOn,
      releasedAt: attempt.releasedAt,
    },
    methods: result.methods.map((m) => ({
      name: m.name,
      mode: m.mode,
      grade: m.grade,
      outcome: m.outcome,
      feedback: feedback.get(m.methodId) ?? null,
    })),
    planNotice: plan?.demo
      ? (plan.notice ?? 'Assessed against a demonstration assessment plan, not the published plan.')
      : null,
    generatedAt,
  };
}

const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/**
 * The built-in Helvetica encodes text as Windows-1252: anything else would print as the wrong
 * glyph. Letters with marks outside it keep their base letter (ŵ → w); the rest become "?".
 */
export function winAnsi(text: string): string {
  return [...text]
    .map((ch) => {
      const code = ch.codePointAt(0)!;
      if (
        code === 0x09 ||
        code === 0x0a ||
        (code >= 0x20 && code <= 0x7e) ||
        (code >= 0xa0 && code <= 0xff) ||
        WIN_ANSI_EXTRA.has(ch)
      )
        return ch;
      const base = ch.normalize('NFKD').replace(/\p{M}/gu, '');
      return base && [...base].every((c) => c.charCodeAt(0) <= 0xff) ? base : '?';
    })
    .join('');
}

const longDate = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toFormat('d LLLL yyyy');
const londonDate = (instant: string) => londonTime(instant, 'd LLLL yyyy');
const MODE_NOTES: Record<string, string> = {
  carried: 'Carried over from an earlier attempt',
  resit: 'Resit',
  retake: 'Retake',
};
const GREY = '#505a5f';
const BORDER = '#b1b4b6';

/** The result as a PDF: pdfkit with its built-in Helvetica (no font files to ship). */
export function resultPdf(data: ResultPdfData): Promise<Buffer> {
  const generatedAt = data.generatedAt;
  const epao = data.epaoName?.trim() || 'End-point assessment organisation';
  const name = fullName(data.apprentice);
  const { attempt } = data;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    font: 'Helvetica',
    lang: 'en-GB',
    displayTitle: true,
    info: {
      Title: winAnsi(`End-point assessment result: ${name}`),
      Author: winAnsi(epao),
      Subject: winAnsi(`${data.standard.title} (${data.standard.reference} v${data.standard.version})`),
      CreationDate: generatedAt.toJSDate(),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const text = (value: string, options: PDFKit.Mixins.TextOptions = {}) =>
    doc.text(winAnsi(value), left, undefined, { width, ...options });
  const heading = (value: string, size: number) => {
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(size);
    text(value);
    doc.font('Helvetica').fontSize(10).moveDown(0.3);
  };
  const th = (value: string) => ({ text: winAnsi(value), type: 'TH' as const, font: { src: 'Helvetica-Bold' } });
  const td = (value: string) => ({ text: winAnsi(value) });
  const table = (columns: (number | string)[], rows: { text: string }[][]) => {
    doc.fontSize(10).table({
      position: { x: left },
      maxWidth: width,
      columnStyles: columns,
      defaultStyle: { border: 0.5, borderColor: BORDER, padding: [4, 6] },
      data: rows,
    });
    doc.x = left;
    doc.moveDown(0.5);
  };

  doc.font('Helvetica-Bold').fontSize(12).fillColor(GREY);
  text(epao);
  doc.fillColor('black').fontSize(20);
  text('End-point assessment result');
  doc.font('Helvetica').fontSize(10).moveDown(0.3);
  if (!attempt.releasedAt) {
    doc.font('Helvetica-Bold');
    text('Not released: this result is for the end-point assessment organisation only until it is released.');
    doc.font('Helvetica');
  }
  doc.moveDown(0.5);

  const overall = attempt.overallGrade
    ? attempt.capped
      ? `${attempt.overallGrade} (capped at ${attempt.cap ?? attempt.overallGrade} for a resit or retake; the methods gave ${attempt.combinedGrade ?? '—'})`
      : attempt.overallGrade
    : 'Not complete: not every method has a grade yet';
  table(
    [150, '*'],
    [
      [th('Apprentice'), td(name)],
      [th('ULN'), td(data.apprentice.uln)],
      [
        th('Standard'),
        td(
          `${data.standard.title} (${data.standard.reference}, version ${data.standard.version}, level ${data.standard.level})`,
        ),
      ],
      [th('Attempt'), td(`${attempt.number}: ${ATTEMPT_KIND_LABELS[attempt.kind]}`)],
      [th('Overall grade'), td(overall)],
      ...(attempt.exceptionalCircumstances
        ? [
            [
              th('Exceptional circumstances'),
              td('Accepted by the end-point assessment organisation: no grade cap applies'),
            ],
          ]
        : []),
      [th('Result date'), td(attempt.resultOn ? longDate(attempt.resultOn) : '—')],
      [th('Released'), td(attempt.releasedAt ? londonDate(attempt.releasedAt) : 'Not yet')],
    ],
  );

  heading('Assessment methods', 14);
  table(
    ['*', 90, 150],
    [
      [th('Method'), th('Grade'), th('Notes')],
      ...data.methods.map((m) => [
        td(m.name),
        td(m.grade ?? (m.outcome && m.outcome !== 'graded' ? OUTCOME_LABELS[m.outcome] : 'Not graded yet')),
        td(
          [MODE_NOTES[m.mode], m.outcome && m.outcome !== 'graded' ? OUTCOME_LABELS[m.outcome] : undefined]
            .filter(Boolean)
            .join('. '),
        ),
      ]),
    ],
  );

  for (const m of data.methods) {
    if (!m.feedback) continue;
    heading(`Feedback by KSB: ${m.name}`, 12);
    table(
      [190, 80, '*'],
      [
        [th('Knowledge, skill or behaviour'), th('Result'), th('Where the evidence fell short')],
        ...m.feedback.map((f) => [
          td(`${f.code}: ${f.text}`),
          td(KSB_FEEDBACK_LABELS[f.state]),
          td(f.notes.length > 1 ? f.notes.map((n) => `• ${n}`).join('\n') : (f.notes[0] ?? '')),
        ]),
      ],
    );
  }

  doc.moveDown(1).fontSize(8).fillColor(GREY);
  if (data.planNotice) text(data.planNotice);
  text(`Produced by ${epao} on ${generatedAt.setZone(ZONE).toFormat('d LLLL yyyy')}.`);
  doc.end();
  return done;
}

/* ---------- Routes ---------- */

/** Sends one attempt's result as a PDF attachment (pages and the API). */
export async function sendPdf(
  res: Response,
  db: Db,
  apprentice: ApprenticeDetail,
  result: AttemptResult,
  now: DateTime,
): Promise<void> {
  const pdf = await resultPdf(resultPdfData(db, apprentice, result, now));
  res.set('Cache-Control', 'no-store');
  res.type('application/pdf');
  res.attachment(`epa-result-${apprentice.uln}-attempt-${result.attempt.number}.pdf`);
  res.send(pdf);
}

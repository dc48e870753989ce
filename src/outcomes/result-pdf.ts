import { londonTime } from '../dates.js';
import { fullName } from '../names.js';
import { type Response } from 'express';
import { DateTime } from 'luxon';
import { createRequire } from 'node:module';
import path from 'node:path';
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
import { nextSteps } from './result-letter.js';

/**
 * An apprentice's result as feedback per KSB (for the results page and the PDF) and as a PDF,
 * generated on request: from the result page (GET routes.resultPdf) and from the API
 * (GET /api/v1/results/{uln}/pdf). Who sees what follows the results page: administrators
 * every attempt; the apprentice's own provider and employer released attempts only.
 */

/* ---------- The PDF ---------- */

export interface ResultPdfData {
  epao: { name: string | null; epaNumber: string | null; contactEmail: string | null; contactPhone: string | null };
  apprentice: { givenNames: string; familyName: string; uln: string };
  /** Who the letter goes to: the apprentice, care of their training provider. */
  careOf: string | null;
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
  /** What happens next (nextSteps in result-letter.ts). */
  nextSteps: string[];
  /** Said on the PDF when the plan is a demo, not the published plan. */
  planNotice: string | null;
  /** When the PDF is made (defaults to now). */
  generatedAt: DateTime;
}

/** Everything the results letter shows of one attempt. */
export function resultPdfData(
  db: Db,
  apprentice: ApprenticeDetail,
  result: AttemptResult,
  generatedAt: DateTime,
): ResultPdfData {
  const plan = planForApprentice(db, apprentice);
  const feedback = attemptFeedback(db, plan, ksbTextsOf(db, apprentice), result);
  const settings = epaoSettingsOf(db);
  const { attempt } = result;
  return {
    epao: {
      name: settings.epaoName,
      epaNumber: settings.epaNumber,
      contactEmail: settings.contactEmail,
      contactPhone: settings.contactPhone,
    },
    apprentice: { givenNames: apprentice.givenNames, familyName: apprentice.familyName, uln: apprentice.uln },
    careOf: apprentice.providerName,
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
    nextSteps: nextSteps({
      overallGrade: attempt.overallGrade,
      attemptNumber: attempt.number,
      releasedAt: attempt.releasedAt,
      appealWorkingDays: settings.appealWorkingDays,
      maxAttempts: settings.maxAttempts,
      plan: plan ?? null,
    }),
    planNotice: plan?.demo
      ? (plan.notice ?? 'Assessed against a demonstration assessment plan, not the published plan.')
      : null,
    generatedAt,
  };
}

/*
 * The font: DejaVu Sans from the dejavu-fonts-ttf package, embedded (as a subset of the glyphs
 * used) so that any name in Latin, Greek or Cyrillic script prints as written, and text can be
 * copied and read aloud (pdfkit writes a ToUnicode map).
 */
const FONT_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
);
const REGULAR = path.join(FONT_DIR, 'DejaVuSans.ttf');
const BOLD = path.join(FONT_DIR, 'DejaVuSans-Bold.ttf');

const longDate = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toFormat('d LLLL yyyy');
const londonDate = (instant: string) => londonTime(instant, 'd LLLL yyyy');
const MODE_NOTES: Record<string, string> = {
  carried: 'Carried over from an earlier attempt',
  resit: 'Resit',
  retake: 'Retake',
};
const GREY = '#505a5f';
const BORDER = '#b1b4b6';
const PADDING = { x: 6, y: 4 };
const BODY_SIZE = 10;

interface Cell {
  text: string;
  header?: 'Row' | 'Column';
}

/**
 * The result as a letter to the apprentice, as a tagged PDF (PDF/UA's structure: headings,
 * paragraphs, lists and tables with their header cells, the document's language and title shown),
 * with page numbers and each table's header row repeated on every page it runs onto.
 */
export function resultPdf(data: ResultPdfData): Promise<Buffer> {
  const generatedAt = data.generatedAt;
  const epao = data.epao.name?.trim() || 'End-point assessment organisation';
  const name = fullName(data.apprentice);
  const { attempt } = data;
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 50, left: 50, right: 50, bottom: 60 },
    font: REGULAR,
    pdfVersion: '1.7',
    tagged: true,
    lang: 'en-GB',
    displayTitle: true,
    bufferPages: true,
    info: {
      Title: `End-point assessment result: ${name}`,
      Author: epao,
      Subject: `${data.standard.title} (${data.standard.reference} v${data.standard.version})`,
      CreationDate: generatedAt.toJSDate(),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const body = doc.struct('Document');
  doc.addStructure(body);
  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  const paragraph = (value: string, options: { bold?: boolean; size?: number; colour?: string; gap?: number } = {}) => {
    doc
      .font(options.bold ? BOLD : REGULAR)
      .fontSize(options.size ?? BODY_SIZE)
      .fillColor(options.colour ?? 'black');
    doc.text(value, left, undefined, { width, structParent: body, structType: 'P' });
    doc.fillColor('black').moveDown(options.gap ?? 0.3);
  };
  const heading = (level: 'H1' | 'H2', value: string) => {
    const size = level === 'H1' ? 18 : 13;
    doc.moveDown(level === 'H1' ? 0.4 : 0.6);
    // Keep a heading with what follows it.
    if (doc.y + size * 4 > bottom()) doc.addPage();
    doc.font(BOLD).fontSize(size);
    doc.text(value, left, undefined, { width, structParent: body, structType: level });
    doc.font(REGULAR).fontSize(BODY_SIZE).moveDown(0.3);
  };

  /** A table drawn page by page: rows that do not fit go to the next page, under the header row again. */
  const table = (columns: (number | '*')[], header: Cell[] | null, rows: Cell[][]) => {
    const fixed = columns.reduce<number>((sum, c) => sum + (c === '*' ? 0 : c), 0);
    const stars = columns.filter((c) => c === '*').length;
    const widths = columns.map((c) => (c === '*' ? (width - fixed) / stars : c));
    const heightOf = (row: Cell[]) =>
      Math.max(
        ...row.map((cell, i) => {
          doc.font(cell.header ? BOLD : REGULAR).fontSize(BODY_SIZE);
          return doc.heightOfString(cell.text, { width: widths[i]! - 2 * PADDING.x }) + 2 * PADDING.y + 2;
        }),
      );
    const headerHeight = header ? heightOf(header) : 0;
    const cellOf = (cell: Cell) =>
      cell.header
        ? { text: cell.text, type: 'TH' as const, scope: cell.header, font: { src: BOLD } }
        : { text: cell.text, font: { src: REGULAR } };
    let from = 0;
    while (from < rows.length) {
      let y = doc.y + headerHeight;
      let to = from;
      while (to < rows.length && y + heightOf(rows[to]!) <= bottom()) y += heightOf(rows[to++]!);
      if (to === from) {
        // Not even one row fits below what is on this page: start a new one (a row taller than a page is split).
        if (doc.y > doc.page.margins.top + 1) {
          doc.addPage();
          continue;
        }
        to = from + 1;
      }
      doc.font(REGULAR).fontSize(BODY_SIZE);
      // pdfkit tags the table (Table, TR, TH with its scope, TD) under structParent; its types omit the option.
      const options: PDFKit.Mixins.TableOptionsWithData & { structParent: PDFKit.PDFStructureElement } = {
        position: { x: left, y: doc.y },
        columnStyles: widths,
        defaultStyle: { border: 0.5, borderColor: BORDER, padding: [PADDING.y, PADDING.x] },
        structParent: body,
        data: [...(header ? [header] : []), ...rows.slice(from, to)].map((row) => row.map(cellOf)),
      };
      doc.table(options);
      from = to;
      doc.x = left;
      if (from < rows.length) doc.addPage();
    }
    doc.moveDown(0.5);
  };
  const th = (text: string, scope: 'Row' | 'Column' = 'Row'): Cell => ({ text, header: scope });
  const td = (text: string): Cell => ({ text });

  // The letterhead, the date and the addressee.
  paragraph(epao, { bold: true, size: 12, colour: GREY, gap: 0.1 });
  const contact = [
    data.epao.epaNumber && `EPA number ${data.epao.epaNumber}`,
    data.epao.contactEmail,
    data.epao.contactPhone,
  ].filter(Boolean);
  if (contact.length > 0) paragraph(contact.join(' · '), { colour: GREY, gap: 0.8 });
  paragraph(generatedAt.setZone(ZONE).toFormat('d LLLL yyyy'), { gap: 0.8 });
  paragraph([name, data.careOf && `care of ${data.careOf}`].filter(Boolean).join(', '), { gap: 0.8 });

  heading('H1', 'End-point assessment result');
  if (!attempt.releasedAt)
    paragraph('Not released: this result is for the end-point assessment organisation only until it is released.', {
      bold: true,
    });
  paragraph(`Dear ${name},`);
  paragraph(
    `This letter gives the result of your end-point assessment for ${data.standard.title}, with the grade of each assessment method and feedback on every knowledge, skill and behaviour assessed.`,
    { gap: 0.6 },
  );

  const overall = attempt.overallGrade
    ? attempt.capped
      ? `${attempt.overallGrade} (capped at ${attempt.cap ?? attempt.overallGrade} for a resit or retake; the methods gave ${attempt.combinedGrade ?? '—'})`
      : attempt.overallGrade
    : 'Not complete: not every method has a grade yet';
  table([150, '*'], null, [
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
  ]);

  heading('H2', 'Assessment methods');
  table(
    ['*', 90, 150],
    [th('Method', 'Column'), th('Grade', 'Column'), th('Notes', 'Column')],
    data.methods.map((m) => [
      td(m.name),
      td(m.grade ?? (m.outcome && m.outcome !== 'graded' ? OUTCOME_LABELS[m.outcome] : 'Not graded yet')),
      td(
        [MODE_NOTES[m.mode], m.outcome && m.outcome !== 'graded' ? OUTCOME_LABELS[m.outcome] : undefined]
          .filter(Boolean)
          .join('. '),
      ),
    ]),
  );

  for (const m of data.methods) {
    if (!m.feedback) continue;
    heading('H2', `Feedback by KSB: ${m.name}`);
    table(
      [210, 80, '*'],
      [
        th('Knowledge, skill or behaviour', 'Column'),
        th('Result', 'Column'),
        th('Where the evidence fell short', 'Column'),
      ],
      m.feedback.map((f) => [
        td(`${f.code}: ${f.fullText}`),
        td(KSB_FEEDBACK_LABELS[f.state]),
        td(f.notes.length > 1 ? f.notes.map((n) => `• ${n}`).join('\n') : (f.notes[0] ?? '')),
      ]),
    );
  }

  heading('H2', 'What happens next');
  doc.font(REGULAR).fontSize(BODY_SIZE);
  const list = doc.struct('L');
  body.add(list);
  doc.list(data.nextSteps, left, undefined, {
    width,
    structParent: list,
    bulletRadius: 2,
    textIndent: 12,
    paragraphGap: 3,
  });
  list.end();
  doc.moveDown(0.8);
  paragraph('Yours sincerely,', { gap: 0.1 });
  paragraph(epao, { gap: 1 });

  if (data.planNotice) paragraph(data.planNotice, { size: 8, colour: GREY });
  paragraph(`Produced by ${epao} on ${generatedAt.setZone(ZONE).toFormat('d LLLL yyyy')}.`, {
    size: 8,
    colour: GREY,
  });
  body.end();

  // Page numbers, marked as pagination artifacts (not part of the text a screen reader reads).
  const pages = doc.bufferedPageRange();
  for (let i = pages.start; i < pages.start + pages.count; i++) {
    doc.switchToPage(i);
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.markContent('Artifact', { type: 'Pagination' });
    doc
      .font(REGULAR)
      .fontSize(8)
      .fillColor(GREY)
      .text(`Page ${i - pages.start + 1} of ${pages.count}`, left, doc.page.height - 40, {
        width,
        align: 'center',
        lineBreak: false,
      });
    doc.endMarkedContent();
    doc.page.margins.bottom = margin;
  }
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

import fs from 'node:fs';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { pdfText } from '../support/pdf.js';
import type { Decision } from '../../src/grading/rules.js';
import { ksbFeedback, shortKsbText } from '../../src/grading/feedback.js';
import { resultPdf, winAnsi, type ResultPdfData } from '../../src/outcomes/result-pdf.js';
import { planFileSchema } from '../../src/plans/schema.js';
import { standardFileSchema } from '../../src/standards/schema.js';

const PLAN = planFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')));
const STANDARD = standardFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/standards/ST0815-1.0.json', 'utf8')));
const KSB_TEXTS = new Map(STANDARD.ksbs.map((k) => [k.code, k.text]));

/** Every criterion of a method met, except those given (not met, with that note). */
const decisions = (methodId: string, notMet: Record<string, string> = {}): Decision[] =>
  PLAN.criteria
    .filter((c) => c.method === methodId)
    .map((c) => ({ criterionId: c.id, met: !(c.id in notMet), evidence: notMet[c.id] ?? '' }));

const data = (over: Partial<ResultPdfData> = {}, attempt: Partial<ResultPdfData['attempt']> = {}): ResultPdfData => ({
  epaoName: 'Northgate Assessment Ltd',
  apprentice: { givenNames: 'Rhiannon', familyName: 'Pryce-Jones', uln: '1234567890' },
  standard: { title: 'Trade union official', reference: 'ST0815', version: '1.0', level: 4 },
  attempt: {
    number: 1,
    kind: 'first',
    overallGrade: 'Distinction',
    combinedGrade: 'Distinction',
    capped: false,
    cap: 'Pass',
    exceptionalCircumstances: false,
    resultOn: '2026-03-04',
    releasedAt: '2026-03-10T09:30:00.000Z',
    ...attempt,
  },
  methods: [
    {
      name: 'Work-based project with presentation and questioning',
      mode: 'first',
      grade: 'Distinction',
      outcome: 'graded',
      feedback: ksbFeedback(PLAN, 'project', decisions('project'), KSB_TEXTS),
    },
    {
      name: 'Professional discussion underpinned by a portfolio of evidence',
      mode: 'first',
      grade: 'Distinction',
      outcome: 'graded',
      feedback: ksbFeedback(PLAN, 'discussion', decisions('discussion'), KSB_TEXTS),
    },
  ],
  planNotice: null,
  generatedAt: DateTime.fromISO('2026-03-11T12:00:00Z'),
  ...over,
});

describe('result PDF: feedback per KSB', () => {
  it('lists every KSB of the method, evidenced when its pass criteria are met', () => {
    const feedback = ksbFeedback(PLAN, 'project', decisions('project'), KSB_TEXTS);
    expect(feedback.map((f) => f.code)).to.deep.equal(PLAN.methods.find((m) => m.id === 'project')!.ksbs);
    expect(feedback.every((f) => f.state === 'evidenced' && f.notes.length === 0)).to.equal(true);
    expect(feedback.find((f) => f.code === 'K2')!.text).to.equal(
      'The distinctive role and overall purpose of their own Trade Union.',
    );
  });

  it('marks the KSBs of a pass criterion not met as not evidenced, with the notes of the criteria not met that map to each', () => {
    // PR1 maps to K4, S4, S7; PR9 to S7, S8; PRD1 (distinction) to K2, K4, S4, S7.
    const feedback = ksbFeedback(
      PLAN,
      'project',
      decisions('project', {
        PR1: 'No research method was explained',
        PR9: 'Retention figures were not used',
        PRD1: 'No critical evaluation',
      }),
      KSB_TEXTS,
    );
    const of = (code: string) => feedback.find((f) => f.code === code)!;
    expect(of('K4')).to.include({ state: 'not_evidenced' });
    expect(of('K4').notes).to.deep.equal(['No research method was explained', 'No critical evaluation']);
    expect(of('S7').notes).to.deep.equal([
      'No research method was explained',
      'Retention figures were not used',
      'No critical evaluation',
    ]);
    expect(of('S8').notes).to.deep.equal(['Retention figures were not used']);
    // A distinction criterion not met shows depth, not coverage: K2 is still evidenced, with no notes.
    expect(of('K2')).to.deep.include({ state: 'evidenced', notes: [] });
  });

  it('does not repeat a note two criteria share', () => {
    const feedback = ksbFeedback(
      PLAN,
      'project',
      decisions('project', { PR1: 'Same note', PR9: 'Same note' }),
      KSB_TEXTS,
    );
    expect(feedback.find((f) => f.code === 'S7')!.notes).to.deep.equal(['Same note']);
  });

  it('shortens a KSB to its first sentence, cut at a word when long', () => {
    expect(shortKsbText('Actively prepares ahead of tasks.')).to.equal('Actively prepares ahead of tasks.');
    expect(shortKsbText('One.  Two.')).to.equal('One.');
    const long = shortKsbText(`${'word '.repeat(40)}end.`, 50);
    expect(long.length).to.be.at.most(50);
    expect(long).to.match(/word…$/);
  });

  it('keeps what Helvetica can print and replaces the rest', () => {
    expect(winAnsi('Siân Ó Súilleabháin – “quoted” £5 €5')).to.equal('Siân Ó Súilleabháin – “quoted” £5 €5');
    expect(winAnsi('Ŵyn Łukasz 李')).to.equal('Wyn ?ukasz ?');
  });
});

describe('result PDF: the document', () => {
  it('is a PDF whose text has the EPAO, the apprentice’s name and ULN, the standard, the attempt, the grades and the dates', async () => {
    const pdf = await resultPdf(data());
    expect(pdf.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const text = await pdfText(pdf);
    expect(text).to.contain('Northgate Assessment Ltd');
    expect(text).to.contain('End-point assessment result');
    expect(text).to.contain('Apprentice Rhiannon Pryce-Jones');
    expect(text).to.contain('ULN 1234567890');
    expect(text).to.contain('Trade union official (ST0815, version 1.0, level 4)');
    expect(text).to.contain('Attempt 1: First attempt');
    expect(text).to.contain('Overall grade Distinction');
    expect(text).to.contain('Work-based project with presentation and questioning Distinction');
    expect(text).to.contain('Result date 4 March 2026');
    expect(text).to.contain('Released 10 March 2026');
    expect(text).to.not.contain('Not released');
  });

  it('has the KSB feedback of each graded method, with the notes where evidence fell short', async () => {
    const methods = data().methods;
    methods[0] = {
      ...methods[0]!,
      grade: 'Fail',
      feedback: ksbFeedback(
        PLAN,
        'project',
        decisions('project', { PR1: 'The research method was not explained' }),
        KSB_TEXTS,
      ),
    };
    const text = await pdfText(await resultPdf(data({ methods }, { overallGrade: 'Fail', combinedGrade: 'Fail' })));
    expect(text).to.contain('Overall grade Fail');
    expect(text).to.contain('Feedback by KSB: Work-based project with presentation and questioning');
    expect(text).to.contain('Feedback by KSB: Professional discussion underpinned by a portfolio of evidence');
    expect(text).to.match(
      /K4: The processes that must be followed .* Not evidenced The research method was not explained/,
    );
    expect(text).to.contain('K2: The distinctive role and overall purpose of their own Trade Union. Evidenced');
    // The last KSB of the discussion: the tables carry on over the pages.
    expect(text).to.contain(
      'B7: Challenges employers, stakeholders and members where necessary to achieve outcomes and to embed fairness. Evidenced',
    );
  });

  it('says when a grade was capped, and when the result is not released yet', async () => {
    const text = await pdfText(
      await resultPdf(
        data(
          {},
          {
            number: 2,
            kind: 'resit',
            overallGrade: 'Pass',
            combinedGrade: 'Distinction',
            capped: true,
            releasedAt: null,
          },
        ),
      ),
    );
    expect(text).to.contain('Attempt 2: Resit');
    expect(text).to.contain('Overall grade Pass (capped at Pass for a resit or retake; the methods gave Distinction)');
    expect(text).to.contain('Released Not yet');
    expect(text).to.contain('Not released');
  });

  it('names the EPAO generically when its name is not set, and prints names Helvetica cannot encode', async () => {
    const text = await pdfText(
      await resultPdf(
        data({
          epaoName: null,
          apprentice: { givenNames: 'Siân', familyName: 'Ŵyn', uln: '1234567890' },
          planNotice: 'This is a demonstration plan.',
        }),
      ),
    );
    expect(text).to.contain('End-point assessment organisation');
    expect(text).to.contain('Siân Wyn');
    expect(text).to.contain('This is a demonstration plan.');
  });
});

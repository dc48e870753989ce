import fs from 'node:fs';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { pdfText } from '../support/pdf.js';
import type { Decision } from '../../src/grading/rules.js';
import { ksbFeedback, shortKsbText } from '../../src/grading/feedback.js';
import { resultPdf, type ResultPdfData } from '../../src/outcomes/result-pdf.js';
import { nextSteps } from '../../src/outcomes/result-letter.js';
import { pdfFonts, pdfInfo, pdfStructure, popplerText } from '../support/pdf.js';
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
  epao: {
    name: 'Northgate Assessment Ltd',
    epaNumber: 'EPA0123',
    contactEmail: 'results@northgate.example',
    contactPhone: '0161 496 0000',
  },
  apprentice: { givenNames: 'Rhiannon', familyName: 'Pryce-Jones', uln: '1234567890' },
  careOf: 'Northern Learning Ltd',
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
  nextSteps: ['If you believe the result is wrong, you can appeal until 31 March 2026.'],
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
    // In full: the letter gives each KSB's whole text, not only its first sentence.
    expect(text).to.contain(
      'K2: The distinctive role and overall purpose of their own Trade Union. The democratic structures, rules and processes of their own union',
    );
    expect(text).to.contain('in which their union operates. Evidenced');
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

  it('names the EPAO generically when its name is not set, and prints the demonstration plan’s notice', async () => {
    const text = await pdfText(
      await resultPdf(
        data({
          epao: { name: null, epaNumber: null, contactEmail: null, contactPhone: null },
          planNotice: 'This is a demonstration plan.',
        }),
      ),
    );
    expect(text).to.contain('End-point assessment organisation');
    expect(text).to.contain('This is a demonstration plan.');
    expect(text).not.to.contain('EPA number');
  });
});

/** Text with every run of white space as one space (pdftotext puts table cells on lines of their own). */
const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('result PDF: a letter as poppler and pdf.js read it', () => {
  const NAME = { givenNames: 'Llŷr Zoë', familyName: 'Łukasiewicz-O’Brien', uln: '1234567890' };

  it('prints any name as written, in an embedded Unicode font that copies as text', async () => {
    const pdf = await resultPdf(data({ apprentice: NAME }));
    for (const text of [flat(popplerText(pdf)), await pdfText(pdf)]) {
      expect(text).to.contain('Llŷr Zoë Łukasiewicz-O’Brien');
      expect(text).not.to.contain('?ukasiewicz');
    }
    const fonts = pdfFonts(pdf);
    expect(fonts.map((f) => f.name.replace(/^[A-Z]{6}\+/, ''))).to.have.members(['DejaVuSans', 'DejaVuSans-Bold']);
    for (const font of fonts) expect(font, font.name).to.include({ embedded: true, subset: true, unicode: true });
  });

  it('is tagged, with its language and title, headings, paragraphs, a list and tables with header cells', async () => {
    const pdf = await resultPdf(data({ apprentice: NAME }));
    const info = pdfInfo(pdf);
    expect(info).to.include({ Tagged: 'yes', Title: 'End-point assessment result: Llŷr Zoë Łukasiewicz-O’Brien' });
    const structure = pdfStructure(pdf);
    expect(structure).to.match(/^Document/m);
    const element = (tag: string, text: string) =>
      new RegExp(`^ +${tag}\\b[^\\n]*\\n(?: +/[^\\n]*\\n)* +"${text}"`, 'm');
    expect(structure).to.match(element('H1', 'End-point assessment result'));
    expect(structure).to.match(element('H2', 'Assessment methods'));
    expect(structure).to.match(element('H2', 'What happens next'));
    expect(structure).to.match(element('P', 'Dear Llŷr Zoë Łukasiewicz-O’Brien,'));
    // The list's items inside the list.
    expect(structure).to.match(/^ {2}L \(block\)\n {4}LI/m);
    expect(structure).to.match(/^ {2}Table .*\n {4}TR/m);
    expect(structure).to.match(element('TH', 'Knowledge, skill or behaviour'));
    expect(structure).to.match(element('TH', 'Apprentice'));
    expect(structure).to.match(/\/Scope \/Column/);
    expect(structure).to.match(/\/Scope \/Row/);
    expect(structure).to.match(element('TD', 'Llŷr Zoë Łukasiewicz-O’Brien'));
    expect(structure).not.to.match(/"Page 1 of/);
    expect(popplerText(pdf)).to.match(/Page 1 of \d/);
  });

  it('is a letter: the organisation and how to reach it, the date, the addressee, the grades, the KSBs in full and what happens next', async () => {
    const text = flat(popplerText(await resultPdf(data({ apprentice: NAME }))));
    expect(text).to.contain('Northgate Assessment Ltd');
    expect(text).to.contain('EPA number EPA0123 · results@northgate.example · 0161 496 0000');
    expect(text).to.contain('11 March 2026');
    expect(text).to.contain('Llŷr Zoë Łukasiewicz-O’Brien, care of Northern Learning Ltd');
    expect(text).to.contain('Dear Llŷr Zoë Łukasiewicz-O’Brien,');
    expect(text).to.contain('Overall grade Distinction');
    // A KSB's text in full, not cut to its first sentence.
    const s1 = STANDARD.ksbs.find((k) => k.text.replace(/\s+/g, ' ').trim().length > 120)!;
    expect(text).to.contain(s1.text.replace(/\s+/g, ' ').trim().slice(-40));
    expect(text).to.contain('If you believe the result is wrong, you can appeal until 31 March 2026.');
    expect(text).to.contain('Yours sincerely,');
  });

  it('numbers its pages and repeats each table’s header row on every page the table runs onto', async () => {
    // Long notes on every KSB of both methods make the feedback run over several pages.
    const note = 'The evidence did not show this in the workplace. '.repeat(6).trim();
    const methods = data().methods.map((m) => ({
      ...m,
      grade: 'Fail',
      feedback: m.feedback!.map((f) => ({ ...f, state: 'not_evidenced' as const, notes: [note] })),
    }));
    const pages = popplerText(await resultPdf(data({ methods }, { overallGrade: 'Fail' })))
      .split('\f')
      .filter((page) => page.trim() !== '')
      .map(flat);
    expect(pages.length).to.be.greaterThan(3);
    pages.forEach((page, i) => expect(page, `page ${i + 1}`).to.contain(`Page ${i + 1} of ${pages.length}`));
    // Every page that carries on a feedback table, with no heading of its own, starts with its header row.
    const continued = pages.filter((page) => /\b[KSB]\d+: /.test(page) && !page.includes('Feedback by KSB'));
    expect(continued.length).to.be.greaterThan(2);
    for (const page of continued)
      expect(page.startsWith('Knowledge, skill or behaviour Result Where the evidence fell short'), page).to.equal(
        true,
      );
    expect(pages.join('')).to.contain('B7: Challenges employers, stakeholders and members');
  });
});

describe('result letter: what happens next', () => {
  const PLAN_WINDOWS = { resit: { windowMonths: 3 }, retake: { windowMonths: 6 }, maxAttempts: null };
  const facts = (over: Partial<Parameters<typeof nextSteps>[0]> = {}) => ({
    overallGrade: 'Pass' as const,
    attemptNumber: 1,
    // Released on Friday 18 December 2020, in London.
    releasedAt: '2020-12-18T10:00:00.000Z',
    appealWorkingDays: 15,
    maxAttempts: null,
    plan: PLAN_WINDOWS,
    ...over,
  });

  it('gives the appeal deadline in working days from release (across Christmas) and says the certificate follows', () => {
    expect(nextSteps(facts())).to.deep.equal([
      'If you believe the result is wrong, you can appeal until 13 January 2021 (15 working days after the result was released on 18 December 2020). Ask your training provider, or contact us.',
      'We apply for your apprenticeship certificate from the apprenticeship service.',
    ]);
  });

  it('after a Fail, gives the resit and retake windows from release, and that the employer must agree', () => {
    const steps = nextSteps(facts({ overallGrade: 'Fail' }));
    expect(steps.slice(1)).to.deep.equal([
      'You can resit the failed assessments, without further learning, if the resit starts by 18 March 2021.',
      'Or you can retake them after further learning, if the retake starts by 18 June 2021. Your training provider agrees an action plan with you.',
      'Your employer must agree to a resit or retake. Your training provider asks them and books it with us.',
    ]);
  });

  it('after a Fail with no attempt left, says so', () => {
    const steps = nextSteps(facts({ overallGrade: 'Fail', attemptNumber: 2, maxAttempts: 2 }));
    expect(steps[1]).to.equal(
      'A resit or retake is not possible: The apprentice has had 2 attempts, the most allowed.',
    );
  });

  it('says nothing of appeals before release, and after a withdrawal says whom to talk to', () => {
    expect(nextSteps(facts({ releasedAt: null }))).to.deep.equal([
      'This result has not been released. It is for the assessment organisation only until it is.',
    ]);
    expect(nextSteps(facts({ overallGrade: 'Withdrawn' }))[1]).to.contain('talk to your training provider');
  });
});

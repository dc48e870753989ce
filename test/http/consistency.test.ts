import { expect } from 'chai';
import { validUlns } from '../../src/apprentices/uln.js';
import { apprentices, bookings, epaAttempts, gatewaySubmissions, gradings, plans, users } from '../../src/db/schema.js';
import type { ModerationState, Outcome } from '../../src/grading/model.js';
import type { Grade } from '../../src/plans/schema.js';
import { paths } from '../../src/paths.js';
import { findStandardVersionId } from '../../src/standards/store.js';
import { $, signedInAgent, testApp, type TestContext, type TestUserKey } from '../support/app.js';

/*
 * Assessor consistency through the pages. Gradings are inserted directly (consistent rows: an
 * apprentice on ST0815 v1.0, an accepted gateway submission, a completed booking, a first
 * attempt and the grading), since the report needs volume and reads only what is stored.
 *
 * The scene, on the demo plan's `project` method, graded in March 2025:
 * - Harsh Hana: 30 gradings, 15 Fail, 13 Pass, 2 Distinction.
 * - Even Eli, Even Esme, Even Ezra: 30 each, 3 Fail, 21 Pass, 6 Distinction.
 * - Few Fenn: 6 gradings, 5 Fail, 1 Pass: harsher still, but below the default minimum of 10.
 * Hana against the others (14 Fail, 64 Pass, 18 Distinction) expects 4.8 Distinctions, under 5,
 * so Fisher's exact tests apply: Fail or not p = 0.000267, doubled 0.000535; Holm over the four
 * assessors tested makes it 0.0021 (scipy.stats.fisher_exact agrees), so she is flagged. The even
 * assessors' p-values are 0.16, adjusted 0.48: not flagged.
 */

const ULNS = validUlns(200, 730_000_000);
let ctx: TestContext;
let versionId: number;
let nextUln: number;
let names: Record<string, number>;

interface Spec {
  grade: Grade | null;
  method?: 'project' | 'discussion';
  gradedOn?: string;
  status?: 'submitted' | 'draft';
  outcome?: Outcome;
  assessorGrade?: Grade;
  moderation?: ModerationState;
}

function addAssessor(name: string): number {
  const id = ctx.db
    .insert(users)
    .values({
      email: `${name.toLowerCase().replace(/\W+/g, '.')}@test.example`,
      name,
      role: 'assessor',
      passwordHash: 'not-used',
    })
    .returning({ id: users.id })
    .get().id;
  names[name] = id;
  return id;
}

/** One apprentice assessed once: gateway accepted, booking completed the day before grading, first attempt, the grading. */
function addGrading(assessorUserId: number, spec: Spec): number {
  const n = nextUln++;
  const gradedOn = spec.gradedOn ?? '2025-03-12';
  const assessedOn = new Date(Date.parse(`${gradedOn}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const apprenticeId = ctx.db
    .insert(apprentices)
    .values({
      uln: ULNS[n]!,
      givenNames: 'Sam',
      familyName: `Apprentice${n}`,
      dateOfBirth: '1995-05-01',
      startDate: '2023-06-01',
      plannedEndDate: '2024-12-01',
      standardVersionId: versionId,
      providerUkprn: '10061234',
      employerId: 'transport-workers-union',
      weeklyHours: 37.5,
    })
    .returning({ id: apprentices.id })
    .get().id;
  const submissionId = ctx.db
    .insert(gatewaySubmissions)
    .values({
      apprenticeId,
      attempt: 1,
      status: 'accepted',
      submittedOn: '2024-12-01',
      evaluation: {},
      epaPeriodStart: '2024-12-10',
      epaPeriodEnd: '2025-06-10',
    })
    .returning({ id: gatewaySubmissions.id })
    .get().id;
  const method = spec.method ?? 'project';
  const submitted = (spec.status ?? 'submitted') === 'submitted';
  const bookingId = ctx.db
    .insert(bookings)
    .values({
      apprenticeId,
      submissionId,
      methodId: method,
      attempt: 1,
      assessorUserId,
      startsAt: `${assessedOn}T10:00:00.000Z`,
      endsAt: `${assessedOn}T12:00:00.000Z`,
      localStart: `${assessedOn}T10:00`,
      mode: 'remote',
      link: 'https://meet.example/epa',
      status: submitted ? 'completed' : 'confirmed',
    })
    .returning({ id: bookings.id })
    .get().id;
  const attemptId = ctx.db
    .insert(epaAttempts)
    .values({ apprenticeId, number: 1, kind: 'first', startedOn: '2024-12-10' })
    .returning({ id: epaAttempts.id })
    .get().id;
  return ctx.db
    .insert(gradings)
    .values({
      bookingId,
      attemptId,
      methodId: method,
      assessorUserId,
      status: spec.status ?? 'submitted',
      outcome: spec.outcome ?? 'graded',
      grade: spec.grade,
      assessorGrade: spec.assessorGrade ?? spec.grade,
      submittedAt: submitted ? `${gradedOn}T12:00:00.000Z` : null,
      moderation: spec.moderation ?? 'not_sampled',
    })
    .returning({ id: gradings.id })
    .get().id;
}

function addMany(assessor: number, counts: Partial<Record<Grade, number>>, spec: Omit<Spec, 'grade'> = {}): number[] {
  return (Object.entries(counts) as [Grade, number][]).flatMap(([grade, count]) =>
    Array.from({ length: count }, () => addGrading(assessor, { ...spec, grade })),
  );
}

let hanaSampled: number;
let hanaUnsampled: number;

beforeEach(async () => {
  ctx = await testApp();
  versionId = findStandardVersionId(ctx.db, 'ST0815', '1.0')!;
  nextUln = 0;
  names = {};
  const hana = addAssessor('Harsh Hana');
  hanaSampled = addGrading(hana, { grade: 'Fail', moderation: 'pending' });
  hanaUnsampled = addGrading(hana, { grade: 'Fail' });
  addMany(hana, { Fail: 13, Pass: 13, Distinction: 2 });
  for (const name of ['Even Eli', 'Even Esme', 'Even Ezra'])
    addMany(addAssessor(name), { Fail: 3, Pass: 21, Distinction: 6 });
  const fenn = addAssessor('Few Fenn');
  addMany(fenn, { Fail: 5, Pass: 1 });

  // Not counted: a draft, a withdrawal, another method.
  addGrading(hana, { grade: null, status: 'draft' });
  addGrading(hana, { grade: 'Fail', outcome: 'withdrawn' });
  addMany(fenn, { Fail: 10 }, { method: 'discussion' });
});

type Agent = Awaited<ReturnType<typeof signedInAgent>>;
const as = (who: TestUserKey): Promise<Agent> => signedInAgent(ctx.app, ctx.users[who].email);

/** The table row of the named assessor on the report page. */
function rowOf(html: string, name: string) {
  const page = $(html);
  const row = page(`#consistency-table tr[data-assessor="${name}"]`);
  expect(row.length, name).to.equal(1);
  return {
    gradings: Number(row.find('td').first().text().trim()),
    fail: row.find('td[data-grade="Fail"]').text().trim(),
    p: row.find('td[data-p]').text().trim(),
    adjustedP: row.find('td[data-adjusted-p]').text().trim(),
    flag: row.find('td[data-flag]').text().trim(),
    test: row.find('td').eq(4).text().trim(),
    href: row.find('th a').attr('href'),
  };
}

describe('Assessor consistency report', () => {
  afterEach(() => expect(ctx.errors).to.deep.equal([]));

  it('shows quality assurers and administrators the report, with the plain-words explanation', async () => {
    for (const who of ['qa', 'admin'] as const) {
      const res = await (await as(who)).get(paths.assessorConsistency);
      expect(res.status, who).to.equal(200);
      const page = $(res.text);
      expect(page('h1').text()).to.equal('Assessor consistency');
      expect(page('#standard option:selected').attr('value')).to.equal('ST0815-1.0');
      expect(page('#method option:selected').attr('value')).to.equal('project');
      expect(page('#minimum').val()).to.equal('10');
      expect(page('#what-the-flag-means').length).to.equal(1);
      expect(res.text).to.contain('not proof of poor or unfair grading');
      expect(res.text).to.contain('unlikely to explain');
      expect(page('#consistency-summary').text().replace(/\s+/g, ' ')).to.contain(
        '4 assessors have at least 10 gradings',
      );
    }
  });

  it('says so when no assessment plan is held', async () => {
    ctx.db.delete(plans).run();
    const res = await (await as('qa')).get(paths.assessorConsistency);
    expect(res.status).to.equal(200);
    expect($(res.text)('#no-plans').text()).to.contain('No assessment plans are held yet');
    expect($(res.text)('#consistency-filter').length).to.equal(0);
  });

  it('refuses providers, employers and assessors, and sends visitors to sign in', async () => {
    const hana = names['Harsh Hana']!;
    for (const who of ['provider', 'employer', 'assessor'] as const) {
      const agent = await as(who);
      expect((await agent.get(paths.assessorConsistency)).status, who).to.equal(403);
      expect((await agent.get(paths.consistencyAssessor(hana))).status, who).to.equal(403);
    }
    const visitor = await signedInAgent(ctx.app, undefined);
    const res = await visitor.get(paths.assessorConsistency);
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.contain(paths.signIn);
  });

  it('flags the assessor with markedly harsher grades, and not one below the minimum or those who grade alike', async () => {
    const res = await (await as('qa')).get(paths.assessorConsistency);
    const hana = rowOf(res.text, 'Harsh Hana');
    // Only submitted, assessed gradings of this method: not the draft, the withdrawal or the discussion gradings.
    expect(hana.gradings).to.equal(30);
    expect(hana.fail).to.equal('50.0% / 14.6%');
    expect(hana.test).to.contain('Fisher');
    // Exact values (scipy.stats.fisher_exact on Fail or not, [[15, 15], [14, 82]]): 2 × 0.00026737 = 0.00053474; Holm × 4.
    expect(hana.p).to.equal('0.0005');
    expect(hana.adjustedP).to.equal('0.0021');
    expect(hana.flag).to.equal('Flagged');

    const fenn = rowOf(res.text, 'Few Fenn');
    expect(fenn.gradings).to.equal(6);
    expect(fenn.flag).to.equal('Too few gradings');
    expect(fenn.p).to.equal('');

    for (const name of ['Even Eli', 'Even Esme', 'Even Ezra']) {
      const even = rowOf(res.text, name);
      expect(even.flag, name).to.equal('Not flagged');
      expect(even.adjustedP, name).to.equal('0.4790');
    }
    // Flagged first.
    expect($(res.text)('#consistency-table tbody tr').first().attr('data-assessor')).to.equal('Harsh Hana');
  });

  it('tests assessors with fewer gradings when the minimum is lowered, correcting for one more comparison', async () => {
    const res = await (
      await as('admin')
    ).get(`${paths.assessorConsistency}?standard=ST0815-1.0&method=project&minimum=5`);
    expect(res.status).to.equal(200);
    expect($(res.text)('#minimum').val()).to.equal('5');
    const fenn = rowOf(res.text, 'Few Fenn');
    expect(fenn.flag).to.equal('Flagged');
    // Holm over five tests now: Hana's smallest p is multiplied by 5.
    expect(rowOf(res.text, 'Harsh Hana').adjustedP).to.equal('0.0027');
  });

  it('uses the current grade, after moderation, and narrows to the dates asked for', async () => {
    const eli = names['Even Eli']!;
    // The assessor said Fail; moderation changed it to Pass: it counts as a Pass.
    addGrading(eli, { grade: 'Pass', assessorGrade: 'Fail', moderation: 'changed' });
    // Graded in January: outside the period asked for below.
    addMany(eli, { Fail: 4 }, { gradedOn: '2025-01-20' });
    const agent = await as('qa');
    const all = rowOf((await agent.get(paths.assessorConsistency)).text, 'Even Eli');
    expect(all.gradings).to.equal(35);
    expect(all.fail).to.match(/^20\.0% \//); // (3 + 4) of 35

    const march = rowOf(
      (await agent.get(`${paths.assessorConsistency}?from=2025-03-01&to=2025-03-31`)).text,
      'Even Eli',
    );
    expect(march.gradings).to.equal(31);
    expect(march.fail).to.match(/^9\.7% \//); // 3 of 31
    const before = await agent.get(`${paths.assessorConsistency}?to=2025-02-28`);
    expect(rowOf(before.text, 'Even Eli').gradings).to.equal(4);
    expect($(before.text)('#consistency-table tr[data-assessor="Harsh Hana"]').length).to.equal(0);
  });

  it('re-renders the form with an error summary for bad filters, never a 500', async () => {
    const agent = await as('qa');
    const cases: [string, string, string][] = [
      ['minimum=4', 'minimum', 'from 5 to 100'],
      ['minimum=101', 'minimum', 'from 5 to 100'],
      ['minimum=ten', 'minimum', 'whole number'],
      ['minimum=7.5', 'minimum', 'whole number'],
      ['from=2025-02-30', 'from', 'real date'],
      ['to=yesterday', 'to', 'real date'],
      ['from=2025-03-10&to=2025-03-01', 'to', 'same as or after'],
      ['standard=ST9999-1.0', 'standard', 'has an assessment plan'],
      ['method=interview', 'method', 'Choose a method'],
      ['method[]=project&method[]=discussion', 'method', 'Choose an assessment method'],
      ['standard[a]=b', 'standard', 'Choose a standard version'],
    ];
    for (const [query, field, message] of cases) {
      const res = await agent.get(`${paths.assessorConsistency}?${query}`);
      expect(res.status, query).to.equal(400);
      const page = $(res.text);
      const link = page('.govuk-error-summary a').first();
      expect(link.attr('href'), query).to.equal(`#${field}`);
      expect(link.text(), query).to.contain(message);
      expect(page(`#${field}-error`).length, query).to.equal(1);
      expect(page('#consistency-table').length, query).to.equal(0);
    }
    // What was typed is shown again.
    const kept = await agent.get(`${paths.assessorConsistency}?minimum=ten&from=2025-01-01`);
    expect($(kept.text)('#minimum').val()).to.equal('ten');
    expect($(kept.text)('#from').val()).to.equal('2025-01-01');
  });
});

describe('The gradings behind an assessor’s figures', () => {
  afterEach(() => expect(ctx.errors).to.deep.equal([]));

  it('lists the gradings, with links to moderation for quality assurers', async () => {
    const qa = await as('qa');
    const report = await qa.get(`${paths.assessorConsistency}?minimum=10`);
    const href = rowOf(report.text, 'Harsh Hana').href!;
    expect(href).to.equal(
      `${paths.consistencyAssessor(names['Harsh Hana']!)}?standard=ST0815-1.0&method=project&minimum=10`,
    );

    const res = await qa.get(href);
    expect(res.status).to.equal(200);
    const page = $(res.text);
    expect(page('h1').text()).to.equal('Harsh Hana');
    expect(page('#assessor-flag').text().trim()).to.equal('Flagged');
    expect(page('#assessor-adjusted-p').text()).to.contain('0.0021');
    expect(page('#assessor-verdict').text()).to.contain(
      'Fail in 50.0% of their gradings, against 14.6% for the other assessors',
    );
    expect(res.text).to.contain('not proof of poor grading');
    const rows = page('#assessor-gradings tbody tr');
    expect(rows.length).to.equal(30);
    expect(rows.first().text()).to.contain('Work-based project');
    // A sampled grading links to its moderation page; one not sampled cannot be moderated, so no link.
    expect(page(`#assessor-gradings a[href="${paths.moderate(hanaSampled)}"]`).length).to.equal(1);
    expect(page(`#assessor-gradings a[href="${paths.moderate(hanaUnsampled)}"]`).length).to.equal(0);
    expect(page('#assessor-gradings a').length).to.equal(1);
    expect(page('.govuk-back-link').attr('href')).to.equal(
      `${paths.assessorConsistency}?standard=ST0815-1.0&method=project&minimum=10`,
    );
  });

  it('shows administrators the same gradings without moderation links, and the assessor’s own grade where it was changed', async () => {
    const eli = names['Even Eli']!;
    addGrading(eli, { grade: 'Pass', assessorGrade: 'Fail', moderation: 'changed' });
    const res = await (await as('admin')).get(paths.consistencyAssessor(eli));
    expect(res.status).to.equal(200);
    const page = $(res.text);
    expect(page('#assessor-gradings tbody tr').length).to.equal(31);
    expect(page('#assessor-gradings a').length).to.equal(0);
    expect(page('#assessor-gradings').text()).to.contain('The assessor gave Fail');
    expect(page('#assessor-flag').text().trim()).to.equal('Not flagged');
  });

  it('says an assessor below the minimum was not tested', async () => {
    const res = await (await as('qa')).get(paths.consistencyAssessor(names['Few Fenn']!));
    const page = $(res.text);
    expect(page('#assessor-flag').text().trim()).to.equal('Too few gradings');
    expect(page('#assessor-verdict').text()).to.contain('Fewer than 10 gradings');
    expect(page('#assessor-gradings tbody tr').length).to.equal(6);
  });

  it('answers 404 for an unknown assessor and 400 with an error summary for a bad filter', async () => {
    const qa = await as('qa');
    expect((await qa.get(paths.consistencyAssessor(99999))).status).to.equal(404);
    expect((await qa.get('/reports/assessor-consistency/abc')).status).to.equal(404);
    expect((await qa.get('/reports/assessor-consistency/0x10')).status).to.equal(404);
    const bad = await qa.get(`${paths.consistencyAssessor(names['Harsh Hana']!)}?minimum=1000`);
    expect(bad.status).to.equal(400);
    expect($(bad.text)('.govuk-error-summary').text()).to.contain('from 5 to 100');
    expect($(bad.text)('#assessor-gradings').length).to.equal(0);
  });
});

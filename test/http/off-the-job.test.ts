import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import type { DateTime } from 'luxon';
import supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { addApprentices, findApprenticeByUln } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { auditEvents, offTheJobHours } from '../../src/db/schema.js';
import { $, csrfFrom, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { SETUP, apprenticeInput, isoDate, today } from '../support/apprentices.js';

const ULNS = validUlns(3, 733_000_000);

type Agent = Awaited<ReturnType<typeof signedInAgent>>;

/** The form's fields for a day (or a span from `from` to `to`). */
function entry(from: DateTime, hours: string, to?: DateTime, extra: Record<string, string> = {}) {
  const parts = (name: string, d: DateTime | undefined) => ({
    [`${name}[day]`]: d ? String(d.day) : '',
    [`${name}[month]`]: d ? String(d.month) : '',
    [`${name}[year]`]: d ? String(d.year) : '',
  });
  return {
    ...parts('date', from),
    ...parts('to', to),
    hours,
    activity: 'Negotiation skills workshop',
    kind: 'training',
    ...extra,
  };
}

const errorLinks = (html: string) => {
  const doc = $(html);
  return doc('.govuk-error-summary a')
    .map((_, a) => ({ href: doc(a).attr('href'), text: doc(a).text().trim() }))
    .get();
};

describe('off-the-job hours: a day or a week at a time, the log, corrections and a CSV log', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let provider: Agent;
  const entries = () =>
    ctx.db.select().from(offTheJobHours).where(eq(offTheJobHours.apprenticeId, a.id)).orderBy(offTheJobHours.id).all();
  const audit = (action: string) =>
    ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.entityId, a.uln)))
      .all();

  beforeEach(async () => {
    ctx = await testApp();
    const added = addApprentices(
      ctx.db,
      [{ line: 1, input: apprenticeInput(ULNS[0]!, 'Wren', 'Weekly') }],
      SETUP,
      'test',
    );
    if (!added.ok) throw new Error(JSON.stringify(added.problems));
    a = findApprenticeByUln(ctx.db, ULNS[0]!)!;
    provider = await signedInAgent(ctx.app, ctx.users.provider.email);
  });

  const form = () => `/apprentices/${a.uln}/hours/new`;

  it('logs a week as one total, counted from its last day, and lists it as a span', async () => {
    const monday = today().minus({ days: 14 });
    const friday = monday.plus({ days: 4 });
    const res = await postForm(provider, form(), form(), entry(monday, '30', friday));
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/apprentices/${a.uln}/hours?logged=1`);
    expect(entries().map((e) => [e.fromDate, e.date, e.hours])).to.deep.equal([[isoDate(monday), isoDate(friday), 30]]);
    const log = $((await provider.get(res.headers.location as string)).text);
    expect(log('[role=alert]').text()).to.contain('The hours have been logged.');
    expect(log('#hours-entries tbody tr td').first().text()).to.equal(`${isoDate(monday)} to ${isoDate(friday)}`);
    expect(log('#hours-count').text()).to.contain('1 entry, 30 hours');
  });

  it('refuses a span over a month, a last day before the first, more than 24 hours a day, keeping the values', async () => {
    const start = today().minus({ days: 60 });
    const cases: [Record<string, string>, { href: string; text: string }][] = [
      [
        entry(start, '30', start.plus({ days: 31 })),
        { href: '#to-day', text: 'Log at most 31 days as one total; split a longer span' },
      ],
      [
        entry(start, '3', start.minus({ days: 1 })),
        { href: '#to-day', text: 'The last day must be after the first day' },
      ],
      [entry(start, '49', start.plus({ days: 1 })), { href: '#hours', text: 'Hours must be 48 or fewer in 2 days' }],
      [entry(start, '24.5'), { href: '#hours', text: 'Hours must be 24 or fewer in a day' }],
    ];
    for (const [fields, expected] of cases) {
      const res = await postForm(provider, form(), form(), fields);
      expect(res.status, JSON.stringify(fields)).to.equal(400);
      expect(errorLinks(res.text)).to.deep.equal([expected]);
      expect($(res.text)('input#hours').val()).to.equal(fields.hours);
    }
    expect(entries()).to.deep.equal([]);
  });

  it('takes training up to today and refuses any day after it, for a day and for a span', async () => {
    const tomorrow = today().plus({ days: 1 });
    const future = await postForm(provider, form(), form(), entry(tomorrow, '3'));
    expect(future.status).to.equal(400);
    expect(errorLinks(future.text)).to.deep.equal([
      {
        href: '#date-day',
        text: `Training is logged once it has happened: the date must be today (${isoDate(today())}) or earlier`,
      },
    ]);
    const span = await postForm(provider, form(), form(), entry(today().minus({ days: 2 }), '10', tomorrow));
    expect(errorLinks(span.text)).to.deep.equal([
      {
        href: '#to-day',
        text: `Training is logged once it has happened: its last day must be today (${isoDate(today())}) or earlier`,
      },
    ]);
    expect(entries()).to.deep.equal([]);
    expect((await postForm(provider, form(), form(), entry(today(), '3'))).status).to.equal(303);
    const api = await supertest(ctx.app)
      .post(`/api/v1/apprentices/${a.uln}/off-the-job-hours`)
      .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`)
      .send({ date: isoDate(tomorrow), hours: 3, activity: 'Tomorrow' });
    expect(api.status).to.equal(422);
    expect(entries()).to.have.length(1);
  });

  it('corrects an entry or removes it, each with a reason the audit log keeps; a blank reason shows the form again', async () => {
    const day = today().minus({ days: 9 });
    await postForm(provider, form(), form(), entry(day, '7'));
    const [logged] = entries();
    const edit = `/apprentices/${a.uln}/hours/${logged!.id}/edit`;
    const shown = $((await provider.get(edit)).text);
    expect(shown('input#hours').val()).to.equal('7');
    expect(shown('input#date-day').val()).to.equal(String(day.day));

    const blank = await postForm(provider, edit, edit, entry(day, '6', undefined, { reason: '   ' }));
    expect(blank.status).to.equal(400);
    expect(errorLinks(blank.text)).to.deep.equal([{ href: '#reason', text: 'Say why the entry is being corrected' }]);
    expect($(blank.text)('input#hours').val()).to.equal('6');
    expect(entries()[0]!.hours).to.equal(7);

    const monday = day.minus({ days: 3 });
    const fixed = await postForm(provider, edit, edit, entry(monday, '20', day, { reason: 'It was the whole week' }));
    expect(fixed.status).to.equal(303);
    expect(entries().map((e) => [e.fromDate, e.date, e.hours])).to.deep.equal([[isoDate(monday), isoDate(day), 20]]);
    const corrected = audit('off_the_job.corrected');
    expect(corrected).to.have.length(1);
    expect(corrected[0]!.reason).to.equal('It was the whole week');
    expect(corrected[0]!.before).to.deep.include({ hours: 7, fromDate: null });
    expect(corrected[0]!.after).to.deep.include({ hours: 20, fromDate: isoDate(monday) });

    const remove = `/apprentices/${a.uln}/hours/${logged!.id}/remove`;
    const noReason = await postForm(provider, remove, remove, { reason: '' });
    expect(noReason.status).to.equal(400);
    expect(errorLinks(noReason.text)).to.deep.equal([{ href: '#reason', text: 'Say why the entry is being removed' }]);
    const removed = await postForm(provider, remove, remove, { reason: 'Logged twice' });
    expect(removed.status).to.equal(303);
    expect(entries()).to.deep.equal([]);
    expect(audit('off_the_job.removed').map((e) => e.reason)).to.deep.equal(['Logged twice']);
  });

  it('keeps each entry to its apprentice and its provider: another apprentice’s entry is not found, another provider is refused', async () => {
    await postForm(provider, form(), form(), entry(today().minus({ days: 3 }), '2'));
    const id = entries()[0]!.id;
    const added = addApprentices(
      ctx.db,
      [{ line: 1, input: apprenticeInput(ULNS[1]!, 'Olly', 'Other') }],
      SETUP,
      'test',
    );
    if (!added.ok) throw new Error('setup');
    expect((await provider.get(`/apprentices/${ULNS[1]!}/hours/${id}/edit`)).status).to.equal(404);
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    expect((await other.get(`/apprentices/${a.uln}/hours/${id}/edit`)).status).to.equal(404);
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    expect((await employer.get(`/apprentices/${a.uln}/hours`)).status).to.equal(200);
    expect($((await employer.get(`/apprentices/${a.uln}/hours`)).text)('a[href$="/edit"]')).to.have.length(0);
    expect((await employer.get(`/apprentices/${a.uln}/hours/${id}/edit`)).status).to.equal(403);
    expect(entries()).to.have.length(1);
  });

  it('filters the log by kind and dates, and pages it 50 at a time, newest first', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      apprenticeId: a.id,
      date: isoDate(today().minus({ days: 100 - i })),
      hours: 1,
      activity: `Session ${i + 1}`,
      kind: i % 10 === 0 ? ('progress_review' as const) : ('training' as const),
    }));
    ctx.db.insert(offTheJobHours).values(rows).run();
    const url = `/apprentices/${a.uln}/hours`;
    const first = $((await provider.get(url)).text);
    expect(first('#hours-entries tbody tr')).to.have.length(50);
    expect(first('#hours-entries tbody tr td:nth-child(3)').first().text()).to.equal('Session 60');
    expect(first('#hours-count').text()).to.contain('60 entries, 60 hours; page 1 of 2');
    const reviews = $((await provider.get(`${url}?kind=progress_review`)).text);
    expect(reviews('#hours-count').text()).to.contain('6 entries, 6 hours');
    const from = isoDate(today().minus({ days: 45 }));
    const recent = $((await provider.get(`${url}?from=${from}&kind=training`)).text);
    expect(
      recent('#hours-entries tbody tr td:nth-child(1)')
        .map((_, td) => recent(td).text())
        .get()
        .every((d) => d >= from),
    ).to.equal(true);
    expect(recent('a[rel=next]')).to.have.length(0);
    const next = first('a[rel=next]').attr('href')!;
    expect($((await provider.get(next)).text)('#hours-entries tbody tr')).to.have.length(10);
  });

  it('imports a CSV log all or nothing: UK or ISO dates, a span, every bad line listed with its line in the file and its column', async () => {
    const url = `/apprentices/${a.uln}/hours/import`;
    const send = async (text: string) => {
      const token = csrfFrom((await provider.get(url)).text);
      return provider.post(url).field('_csrf', token).attach('csvFile', Buffer.from(text), 'log.csv');
    };
    const d = (days: number) => today().minus({ days });
    const bad = await send(
      [
        'date,to,hours,activity,kind',
        `${d(20).toFormat('dd/MM/yyyy')},${d(16).toFormat('dd/MM/yyyy')},25,Workshop week,training`,
        // A blank line is no entry, but it is a line of the file: the lines below are told as the file numbers them.
        '',
        `${isoDate(today().plus({ days: 2 }))},,3,Not yet,training`,
        `31/02/2025,,3,No such day,training`,
        `${isoDate(d(5))},,3,Review,lunch`,
      ].join('\n'),
    );
    expect(bad.status).to.equal(422);
    const doc = $(bad.text);
    const problems = doc('#hours-problems tbody tr')
      .map((_, tr) =>
        doc(tr)
          .find('td')
          .map((_i, td) => doc(td).text().trim())
          .get()
          .join(' '),
      )
      .get();
    expect(problems).to.have.length(3);
    expect(problems[0]).to.match(/^4 date Training is logged once it has happened/);
    expect(problems[1]).to.match(/^5 date The date of the training must be a real date, as YYYY-MM-DD or DD\/MM\/YYYY/);
    expect(problems[2]).to.match(/^6 kind Give the kind as one of training, /);
    expect(entries()).to.deep.equal([]);

    const good = await send(
      `date,to,hours,activity\n${d(20).toFormat('dd/MM/yyyy')},${d(16).toFormat('dd/MM/yyyy')},25,Workshop week\n${isoDate(d(5))},,3,Casework`,
    );
    expect(good.status).to.equal(303);
    expect(good.headers.location).to.equal(`/apprentices/${a.uln}/hours?imported=2`);
    expect(entries().map((e) => [e.fromDate, e.date, e.hours])).to.deep.equal([
      [isoDate(d(20)), isoDate(d(16)), 25],
      [null, isoDate(d(5)), 3],
    ]);
    expect(audit('off_the_job.logged').map((e) => e.after)).to.deep.equal([
      { count: 2, source: 'csv:log.csv', hours: 28 },
    ]);
  });
});

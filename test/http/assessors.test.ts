import { now } from '../support/clock.js';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import {
  assessorConflicts,
  assessorProfiles,
  assessorRegions,
  assessorStandards,
  assessorUnavailability,
  assessorWorkingHours,
  auditEvents,
} from '../../src/db/schema.js';
import { $, postForm, signedInAgent, testApp, type TestContext } from '../support/app.js';

describe('assessor profiles', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });
  const profileUrl = () => `/assessors/${ctx.users.assessor.id}`;

  it('lets an administrator give an assessor a profile, audited with before and after', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const list = $((await admin.get('/assessors')).text);
    expect(list('#assessors').text()).to.contain('No profile yet');
    const res = await postForm(admin, profileUrl(), profileUrl(), {
      perDay: '2',
      perWeek: '7',
      standardVersionIds: '1',
      'regions[0]': 'london',
      'regions[1]': 'south_east',
      'hours[monday][start]': '09:00',
      'hours[monday][end]': '17:00',
      'hours[wednesday][start]': '10:00',
      'hours[wednesday][end]': '16:00',
      ownEmployerId: 'health-care-union',
      ownProviderUkprn: '',
    });
    expect(res.status).to.equal(302);
    const id = ctx.users.assessor.id;
    expect(ctx.db.select().from(assessorProfiles).where(eq(assessorProfiles.userId, id)).get()).to.include({
      perDay: 2,
      perWeek: 7,
      ownEmployerId: 'health-care-union',
    });
    expect(
      ctx.db
        .select()
        .from(assessorStandards)
        .all()
        .map((s) => s.standardVersionId),
    ).to.deep.equal([1]);
    expect(
      ctx.db
        .select()
        .from(assessorRegions)
        .all()
        .map((r) => r.region)
        .sort(),
    ).to.deep.equal(['london', 'south_east']);
    expect(
      ctx.db
        .select()
        .from(assessorWorkingHours)
        .all()
        .map((h) => [h.weekday, h.start, h.end]),
    ).to.deep.equal([
      [1, '09:00', '17:00'],
      [3, '10:00', '16:00'],
    ]);
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'assessor.profile_saved')).get()!;
    expect(audit.before).to.equal(null);
    expect((audit.after as { perWeek: number }).perWeek).to.equal(7);
    const page = $((await admin.get(res.headers.location!)).text);
    expect(page('.govuk-notification-banner').text()).to.contain('saved');
    expect(page('input[name="regions"][value="london"]').attr('checked')).to.not.equal(undefined);
  });

  it('re-shows the profile with errors and the values kept', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await postForm(admin, profileUrl(), profileUrl(), {
      perDay: '0',
      perWeek: 'lots',
      'hours[tuesday][start]': '09:00',
      'hours[tuesday][end]': '',
    });
    expect(res.status).to.equal(400);
    const doc = $(res.text);
    expect(
      doc('.govuk-error-summary a')
        .map((_, a) => doc(a).attr('href'))
        .get(),
    ).to.deep.equal(['#perDay', '#perWeek', '#hours-tuesday']);
    expect(doc('#hours-tuesday').val()).to.equal('09:00');
    expect(ctx.db.select().from(assessorProfiles).all()).to.have.length(0);
  });

  it('lets an assessor record leave and declare a conflict on their own page only', async () => {
    const assessor = await signedInAgent(ctx.app, ctx.users.assessor.email);
    expect((await assessor.get(profileUrl())).status).to.equal(200);
    expect((await assessor.get(`/assessors/${ctx.users.admin.id}`)).status).to.equal(404);
    expect((await assessor.get('/assessors')).status).to.equal(403);
    expect((await postForm(assessor, profileUrl(), profileUrl(), { perDay: '6', perWeek: '30' })).status).to.equal(403);
    // Leave next month, by the test clock.
    const from = now().setZone('Europe/London').startOf('month').plus({ months: 1 });
    const to = from.plus({ days: 2 });
    const leave = await postForm(assessor, profileUrl(), `${profileUrl()}/leave`, {
      'leaveFrom[day]': String(from.day),
      'leaveFrom[month]': String(from.month),
      'leaveFrom[year]': String(from.year),
      'leaveTo[day]': String(to.day),
      'leaveTo[month]': String(to.month),
      'leaveTo[year]': String(to.year),
      leaveReason: 'Annual leave',
    });
    expect(leave.status).to.equal(302);
    expect(
      ctx.db
        .select()
        .from(assessorUnavailability)
        .all()
        .map((u) => [u.from, u.to, u.reason]),
    ).to.deep.equal([[from.toISODate(), to.toISODate(), 'Annual leave']]);
    const bad = await postForm(assessor, profileUrl(), `${profileUrl()}/conflicts`, {
      organisation: 'employer:transport-workers-union',
      'conflictFrom[day]': '30',
      'conflictFrom[month]': '2',
      'conflictFrom[year]': '2020',
      conflictReason: '',
    });
    expect(bad.status).to.equal(400);
    const badDoc = $(bad.text);
    expect(
      badDoc('.govuk-error-summary a')
        .map((_, a) => badDoc(a).attr('href'))
        .get(),
    ).to.deep.equal(['#conflictFrom-day', '#conflictReason']);
    expect(badDoc('#organisation').val()).to.equal('employer:transport-workers-union');
    // An organisation that is not registered is refused as the API refuses it, with nothing written.
    const unknown = await postForm(assessor, profileUrl(), `${profileUrl()}/conflicts`, {
      organisation: 'employer:no-such-union',
      'conflictFrom[day]': '1',
      'conflictFrom[month]': '3',
      'conflictFrom[year]': '2020',
      conflictReason: 'My partner is a regional officer there',
    });
    expect(unknown.status).to.equal(400);
    const unknownDoc = $(unknown.text);
    expect(
      unknownDoc('.govuk-error-summary a')
        .map((_, a) => [[unknownDoc(a).attr('href'), unknownDoc(a).text().trim()]])
        .get(),
    ).to.deep.equal([['#organisation', 'No employer with that id is registered']]);
    expect(unknownDoc('#conflictReason').val()).to.equal('My partner is a regional officer there');
    expect(ctx.db.select().from(assessorConflicts).all()).to.deep.equal([]);
    const declared = await postForm(assessor, profileUrl(), `${profileUrl()}/conflicts`, {
      organisation: 'employer:transport-workers-union',
      'conflictFrom[day]': '1',
      'conflictFrom[month]': '3',
      'conflictFrom[year]': '2020',
      conflictReason: 'My partner is a regional officer there',
    });
    expect(declared.status).to.equal(302);
    expect(
      ctx.db
        .select()
        .from(assessorConflicts)
        .all()
        .map((c) => [c.kind, c.organisationId, c.from, c.to, c.reason]),
    ).to.deep.equal([
      ['employer', 'transport-workers-union', '2020-03-01', null, 'My partner is a regional officer there'],
    ]);
    expect(
      ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'conflict.declared')).get()!.actorLabel,
    ).to.equal(ctx.users.assessor.email);
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect((await provider.get(profileUrl())).status).to.equal(403);
  });
});

import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { apprentices } from '../../src/db/schema.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { fold } from '../../src/search/rules.js';
import { $, signedInAgent, testApp, type TestContext, type TestUserKey } from '../support/app.js';
import { readyApprentice } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile, pastBooking } from '../support/grading.js';
import { buildFixture } from '../support/fixture.js';

const [ZOE, LLYR, OTHER, ASSESSED] = validUlns(4, 744_000_000) as [string, string, string, string];

describe('search: apprentices in one’s own scope, by ULN, name or employer', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
    readyApprentice(ctx.db, ZOE, 'Zoë', 'Ørsted-Łukasiewicz');
    readyApprentice(ctx.db, LLYR, 'Llŷr', 'Evans');
    const other = readyApprentice(ctx.db, OTHER, 'Zoe', 'Elsewhere');
    ctx.db
      .update(apprentices)
      .set({ providerUkprn: '10078452', employerId: 'health-care-union' })
      .where(eq(apprentices.id, other.id))
      .run();
  });

  const search = async (who: TestUserKey, q: string) => {
    const agent = await signedInAgent(ctx.app, ctx.users[who].email);
    const res = await agent.get(`/search?q=${encodeURIComponent(q)}`);
    const doc = $(res.text);
    return {
      status: res.status,
      doc,
      names: doc('#search-results li a')
        .map((_, a) => doc(a).text())
        .get(),
    };
  };

  it('folds accents and case away, both in what is typed and in the names', async () => {
    expect(fold('  Zoë   LLŶR  Ørsted-Łukasiewicz Straße')).to.equal('zoe llyr orsted-lukasiewicz strasse');
    expect((await search('provider', 'orsted-lukas')).names).to.deep.equal(['Zoë Ørsted-Łukasiewicz']);
    expect((await search('provider', 'zoe')).names).to.deep.equal(['Zoë Ørsted-Łukasiewicz']);
    expect((await search('provider', 'LLYR EVANS')).names).to.deep.equal(['Llŷr Evans']);
    expect((await search('provider', 'evans llŷr')).names).to.deep.equal(['Llŷr Evans']);
  });

  it('finds a ULN exactly, and an employer by its name or id', async () => {
    expect((await search('provider', ZOE)).names).to.deep.equal(['Zoë Ørsted-Łukasiewicz']);
    expect((await search('provider', `${ZOE.slice(0, 5)} ${ZOE.slice(5)}`)).names).to.have.length(1);
    expect((await search('provider', 'maritime workers')).names).to.have.members([
      'Zoë Ørsted-Łukasiewicz',
      'Llŷr Evans',
    ]);
    expect((await search('provider', 'transport-workers')).names).to.have.length(2);
  });

  it('finds nobody outside the scope: another provider, the employer’s own, an administrator everyone', async () => {
    expect((await search('otherProvider', 'zoe')).names).to.deep.equal(['Zoe Elsewhere']);
    expect((await search('provider', 'elsewhere')).doc('#search-count').text()).to.contain(
      'No apprentice of yours matches',
    );
    expect((await search('employer', 'zoe')).names).to.deep.equal(['Zoë Ørsted-Łukasiewicz']);
    expect((await search('admin', 'zoe')).names).to.have.members(['Zoë Ørsted-Łukasiewicz', 'Zoe Elsewhere']);
    expect((await search('qa', 'zoe')).names).to.deep.equal([]);
  });

  it('lets an assessor find the apprentices they assess, leading to their booking', async () => {
    expect((await search('assessor', 'zoe')).names).to.deep.equal([]);
    const a = acceptedLongAgo(ctx.db, ASSESSED, 'Ada', 'Assessed', 40);
    assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
    const booking = pastBooking(ctx.db, a, ctx.users.assessor.id, 'project', 2);
    const found = await search('assessor', 'ada');
    expect(found.names).to.deep.equal(['Ada Assessed']);
    expect(found.doc('#search-results a').attr('href')).to.equal(`/bookings/${booking}`);
  });

  it('asks for at least two characters, keeping what was typed; a wildcard is taken literally', async () => {
    const short = await search('provider', 'z');
    expect(short.status).to.equal(400);
    expect(short.doc('.govuk-error-summary a').text()).to.equal(
      'Enter a ULN, or at least two letters of a name or employer',
    );
    expect(short.doc('input#q').val()).to.equal('z');
    expect((await search('provider', '%%')).names).to.deep.equal([]);
  });

  it('is in every page’s header for a signed-in person', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.employer.email);
    const doc = $((await agent.get('/standards')).text);
    expect(doc('header form[role=search]').attr('action')).to.equal('/search');
    expect(doc('header label[for=header-search]').text()).to.contain('Search apprentices');
  });

  it('lets a quality assurer find the apprentices whose gradings are in the sample, leading to the moderation', async () => {
    const fresh = await testApp();
    const f = await buildFixture(fresh);
    const qa = await signedInAgent(fresh.app, fresh.users.qa.email);
    const doc = $((await qa.get('/search?q=desmond')).text);
    expect(doc('#search-results a').attr('href')).to.equal(`/moderation/${f.pendingGrading}`);
    expect($((await qa.get('/search?q=bartholomew')).text)('#search-results li')).to.have.length(0);
  });
});

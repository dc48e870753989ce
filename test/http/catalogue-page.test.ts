import { expect } from 'chai';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { importCatalogue } from '../../src/catalogue/import.js';
import { $, signedInAgent, testApp, type TestContext } from '../support/app.js';

/* The Standards page: the catalogue by reference, searched, filtered to the versions we are approved for, paged. */
describe('the catalogue page', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await testApp();
    const text = fs.readFileSync('test/fixtures/catalogue/standards.json', 'utf8');
    await importCatalogue(ctx.db, Readable.from([text]), SYSTEM_ACTOR);
  });

  const listed = async (query: string) => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const doc = $((await agent.get(`/standards${query}`)).text);
    return {
      doc,
      rows: doc('#catalogue tbody tr:has(a)')
        .map((_, tr) => [[0, 2, 4, 6].map((i) => doc(tr).find('td').eq(i).text().trim()).join(' | ')])
        .get()
        .map(String),
    };
  };

  it('lists every version by reference, with its route and whether we are approved to assess it', async () => {
    const { rows, doc } = await listed('');
    expect(rows).to.deep.equal([
      'ST0815 | 1.0 | Business and administration | Approved',
      'ST9901 | 1.0 | Transport and logistics | No',
      'ST9902 | 1.0 | Business and administration | No',
      'ST9902 | 1.1 | Business and administration | No',
    ]);
    expect(doc('#catalogue-count').text()).to.equal('4 versions.');
  });

  it('searches by reference, title or route, ignoring case and accents, and filters to ours', async () => {
    expect((await listed('?q=st9902')).rows.map((r) => r.slice(0, 12))).to.deep.equal(['ST9902 | 1.0', 'ST9902 | 1.1']);
    expect((await listed('?q=TRADE%20UNÏON')).rows).to.have.length(1);
    expect((await listed('?q=transport')).rows.map((r) => r.slice(0, 6))).to.deep.equal(['ST9901']);
    const ours = await listed('?ours=yes');
    expect(ours.rows.map((r) => r.slice(0, 6))).to.deep.equal(['ST0815']);
    expect(ours.doc('#catalogue-count').text()).to.equal('1 version that we are approved to assess.');
    expect(ours.doc('input[name="ours"]').attr('checked')).to.not.equal(undefined);
    const none = await listed('?q=%25_%5C');
    expect(none.rows).to.deep.equal([]);
    expect(none.doc('#catalogue tbody').text()).to.contain('No standards match.');
  });

  it('offers only the versions we are approved for on the apprentice form', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const form = $((await agent.get('/apprentices/new')).text);
    const options = form('select[name="standard"] option')
      .map((_, o) => form(o).attr('value') ?? '')
      .get()
      .map(String);
    expect(options.filter((v) => v.includes('/'))).to.deep.equal(['ST0815/1.0']);
  });

  it('shows a version’s options, each with its KSBs', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const doc = $((await agent.get('/standards/ST9901/1.0')).text);
    const options = doc('#options + p + dl .govuk-summary-list__row')
      .map((_, row) => `${doc(row).find('dt').text()}: ${doc(row).find('dd').text()}`)
      .get()
      .map(String);
    expect(options).to.deep.equal([
      'Road vehicles: K1, K2, K4, S1, S2, B1, B2',
      'Rail vehicles: K1, K3, K4, S1, S3, B1, B2',
    ]);
    expect(doc('#options + p + dl a[href="#ksb-K2"]')).to.have.length(1);
    // A version without options has no such section.
    expect($((await agent.get('/standards/ST0815/1.0')).text)('#options')).to.have.length(0);
  });

  it('offers an assessor competence, and the reports a filter, in the versions we are approved for only', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const profile = $((await admin.get(`/assessors/${ctx.users.assessor.id}`)).text);
    const competences = profile('input[name="standardVersionIds"]')
      .map((_, i) =>
        profile(`label[for="${profile(i).attr('id')}"]`)
          .text()
          .trim(),
      )
      .get()
      .map(String);
    expect(competences).to.deep.equal(['Trade union official (ST0815 v1.0)']);
    const reports = $((await admin.get('/reports')).text);
    const filters = reports('select[name="standard"] option')
      .map((_, o) => reports(o).attr('value') ?? '')
      .get()
      .map(String);
    expect(filters).to.deep.equal(['', 'ST0815/1.0']);
  });
});

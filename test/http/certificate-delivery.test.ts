import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { auditEvents, certificateDeliveries } from '../../src/db/schema.js';
import { $, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { readyApprentice } from '../support/apprentices.js';
import { DELIVERY_FORM } from '../support/delivery.js';

/*
 * Where the certificate is posted: the postal contact the apprenticeship service's certificate
 * request needs, recorded by the apprentice's provider (or an administrator) on a page or through
 * the API, checked with the service's own postcode rule, audited.
 */

const ULNS = validUlns(2, 640_000_000);
/** The postcode as someone might type it: the service's pattern takes it, and it is stored tidied. */
const ADDRESS = { ...DELIVERY_FORM, postcode: 'wc1x8tn' };

const summaryOf = (html: string) =>
  $(html)('.govuk-error-summary a')
    .map((_, el) => [[$(html)(el).text().trim(), $(html)(el).attr('href')]])
    .get();

describe('certificate delivery: where the certificate is posted', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  const stored = () =>
    ctx.db.select().from(certificateDeliveries).where(eq(certificateDeliveries.apprenticeId, a.id)).get();

  beforeEach(async () => {
    ctx = await testApp();
    a = readyApprentice(ctx.db, ULNS[0]!, 'Llŷr', 'Łukasiewicz');
  });

  it('the provider records it from the apprentice’s page; the form starts from the employer and keeps the values it refuses', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const show = $((await provider.get(`/apprentices/${a.uln}`)).text);
    expect(show('#certificate-delivery').text()).to.contain('cannot be claimed until it is');
    const url = `/apprentices/${a.uln}/certificate-delivery`;
    expect(show('#certificate ~ p a').first().attr('href')).to.equal(url);
    const form = $((await provider.get(url)).text);
    expect(form('input[name="sendTo"][value="employer"]').attr('checked')).to.not.equal(undefined);
    expect(form('#organisation').val()).to.equal(a.employerName);

    const refused = await postForm(provider, url, url, { ...ADDRESS, contactName: ' ', postcode: 'NOT A CODE' });
    expect(refused.status).to.equal(400);
    expect(summaryOf(refused.text)).to.deep.equal([
      ['Enter the name of the person it is posted to', '#contactName'],
      ['Enter a real UK postcode, like SW1A 1AA', '#postcode'],
    ]);
    expect($(refused.text)('#addressLine1').val()).to.equal('128 Theobald’s Road');
    expect($(refused.text)('#postcode').val()).to.equal('NOT A CODE');
    expect(stored()).to.equal(undefined);

    const saved = await postForm(provider, url, url, ADDRESS);
    expect(saved.status).to.equal(303);
    expect(saved.headers.location).to.equal(`/apprentices/${a.uln}#certificate`);
    expect(stored()).to.include({
      sendTo: 'employer',
      contactName: 'Dana Reilly',
      organisation: 'Transport Workers Union',
      addressLine2: null,
      city: 'London',
      postcode: 'WC1X 8TN',
      recordedBy: ctx.users.provider.id,
    });
    expect($((await provider.get(`/apprentices/${a.uln}`)).text)('#certificate-delivery').text()).to.equal(
      'Posted to the employer: Dana Reilly, Education, Transport Workers Union, 128 Theobald’s Road, London WC1X 8TN.',
    );
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'certificate_delivery.recorded'))
      .all();
    expect(audit.map((e) => [e.actorLabel, e.entityId, e.before])).to.deep.equal([
      [ctx.users.provider.email, a.uln, null],
    ]);
  });

  it('is recorded through the API, and refused to anyone outside the apprentice’s provider and the administrators', async () => {
    const api = supertest(ctx.app);
    const put = (who: keyof TestContext['users'], body: object = ADDRESS) =>
      api
        .put(`/api/v1/apprentices/${a.uln}/certificate-delivery`)
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users[who].id)}`)
        .send(body);
    expect((await put('employer')).status).to.equal(403);
    expect((await put('assessor')).status).to.equal(403);
    expect((await put('otherProvider')).status).to.equal(404);
    expect(stored()).to.equal(undefined);
    const bad = await put('admin', { ...ADDRESS, sendTo: 'neighbour', city: '' });
    expect(bad.status).to.equal(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['sendTo', 'city']);
    const done = await put('admin', { ...ADDRESS, sendTo: 'apprentice', organisation: 'Llŷr Łukasiewicz' });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    expect(done.body).to.include({ uln: a.uln, sendTo: 'apprentice', postcode: 'WC1X 8TN', addressLine2: null });
    expect(stored()).to.include({ sendTo: 'apprentice', recordedBy: ctx.users.admin.id });
  });
});

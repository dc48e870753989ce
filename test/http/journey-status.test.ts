import { expect } from 'chai';
import supertest from 'supertest';
import { $, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/* The fixture's apprentices (test/support/fixture.ts) stand at different points of the journey. */
describe('the apprentice’s status, on their page and through the API', () => {
  let ctx: TestContext;
  let f: Fixture;
  before(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  it('reads the same on the page and in GET /api/v1/apprentices/{uln}/gateway', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const token = tokenFor(ctx.db, ctx.users.admin.id);
    const expected: [string, string, string][] = [
      [f.a.uln, 'Result released', 'released'],
      [f.b.uln, 'Gateway accepted', 'accepted'],
      [f.c.uln, 'Assessment requested', 'requested'],
      [f.d.uln, 'In moderation', 'in_moderation'],
      [f.e.uln, 'Ready to request assessment', 'ready'],
    ];
    for (const [uln, label, status] of expected) {
      const page = $((await admin.get(`/apprentices/${uln}`)).text);
      expect(page('#journey-status').text(), uln).to.equal(label);
      const api = await supertest(ctx.app)
        .get(`/api/v1/apprentices/${uln}/gateway`)
        .set('Authorization', `Bearer ${token}`);
      expect(api.body.status, uln).to.equal(status);
    }
  });
});

import { Writable } from 'node:stream';
import { expect } from 'chai';
import supertest from 'supertest';
import { validUlns } from '../../src/apprentices/uln.js';
import { issueCalendarToken } from '../../src/bookings/assessor-store.js';
import { createLogger, redactPath } from '../../src/http/request-log.js';
import { signedInAgent, testApp, tokenFor, TEST_USERS, type TestContext } from '../support/app.js';
import { readyApprentice, SETUP } from '../support/apprentices.js';
import { assessorProfile } from '../support/grading.js';

interface Line {
  level: number;
  msg: string;
  id: string;
  method: string;
  route: string;
  status: number;
  ms: number;
  user?: number;
  role?: string;
}

/** A logger whose lines are kept for the test to read. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines, parsed: () => lines.map((l) => JSON.parse(l) as Line) };
}

describe('request logs', () => {
  describe('redactPath', () => {
    it('drops the query and replaces ULNs and tokens, keeping short ids', () => {
      expect(redactPath('/apprentices/1234567890/nothing?q=Smith')).to.equal('/apprentices/:number/nothing');
      expect(redactPath('/calendar/AbCdEfGhIjKlMnOpQrStUvWx.ics')).to.equal('/calendar/:token');
      expect(redactPath('/bookings/42/grade')).to.equal('/bookings/42/grade');
    });
  });

  describe('a running app', () => {
    const [uln] = validUlns(1, 770_000_000) as [string];
    const given = 'Philippa';
    const family = 'Wrenfield-Ockham';
    let ctx: TestContext;
    let capture: ReturnType<typeof capturingLogger>;
    let calendarToken: string;
    let apiToken: string;

    before(async () => {
      capture = capturingLogger();
      ctx = await testApp({ logger: capture.logger });
      const a = readyApprentice(ctx.db, uln, given, family);
      assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
      calendarToken = issueCalendarToken(ctx.db, ctx.users.assessor.id, SETUP);
      apiToken = tokenFor(ctx.db, ctx.users.provider.id);

      const provider = await signedInAgent(ctx.app, TEST_USERS.provider.email);
      await provider.get(`/apprentices/${uln}`).expect(200);
      await provider.get(`/apprentices?search=${encodeURIComponent(family)}`).expect(200);
      await provider.get(`/apprentices/${uln}/no-such-page?name=${given}`).expect(404);
      await supertest(ctx.app).get(`/api/v1/apprentices/${uln}`).set('Authorization', `Bearer ${apiToken}`).expect(200);
      await supertest(ctx.app).get(`/calendar/${calendarToken}`).expect(200);
      await supertest(ctx.app).get('/assets/css/does-not-matter.css');
    });

    it('writes one JSON line per request with the route pattern, status, time and user id', () => {
      const lines = capture.parsed();
      const apprenticePage = lines.find((l) => l.route === '/apprentices/:uln' && l.method === 'GET');
      expect(apprenticePage, JSON.stringify(lines)).to.include({
        status: 200,
        user: ctx.users.provider.id,
        role: 'provider',
        msg: 'request',
      });
      expect(apprenticePage!.ms).to.be.a('number');
      expect(apprenticePage!.id).to.match(/^[0-9a-f-]{36}$/);
      expect(lines.map((l) => l.route)).to.include.members(['/api/v1/apprentices/:uln', '/apprentices', '/sign-in']);
      expect(lines.find((l) => l.status === 404)!.route).to.equal('/apprentices/:number/no-such-page');
    });

    it('leaves out static files', () => {
      expect(capture.parsed().some((l) => l.route.startsWith('/assets'))).to.equal(false);
    });

    it('holds no personal data or secrets: no ULN, name, email, search, cookie or token', () => {
      const text = capture.lines.join('\n');
      for (const secret of [
        uln,
        given,
        family,
        TEST_USERS.provider.email,
        calendarToken,
        apiToken,
        'Cookie',
        'cookie',
        'session',
      ]) {
        expect(text, secret).not.to.include(secret);
      }
    });

    it('tells the user the id of their request, so a problem can be traced', async () => {
      const res = await supertest(ctx.app).get('/sign-in').expect(200);
      const id = String(res.headers['x-request-id']);
      expect(capture.parsed().some((l) => l.id === id)).to.equal(true);
    });
  });
});

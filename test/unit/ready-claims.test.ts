import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { appeals, epaAttempts } from '../../src/db/schema.js';
import { epaoSettingsOf } from '../../src/grading/store.js';
import { keptFigure } from '../../src/home/service.js';
import { HOME_FIGURES } from '../../src/home/figures.js';
import { isReady, unclaimedClaims } from '../../src/outcomes/claims.js';
import { todayInLondon } from '../../src/dates.js';
import { $, signedInAgent, testApp, type TestContext } from '../support/app.js';
import { now } from '../support/clock.js';
import { buildFixture, type Fixture } from '../support/fixture.js';
import { delivery } from '../support/delivery.js';
import { SETUP } from '../support/apprentices.js';
import { recordDelivery } from '../../src/certificates/store.js';
import { bookingQueue } from '../../src/bookings/store.js';

/*
 * The administrator's home counts the results ready to send to the apprenticeship service by the
 * claims page's own rules, read a batch at a time (so a large count holds nobody up).
 */
describe('the home page’s count of results ready to claim', () => {
  let ctx: TestContext;
  let f: Fixture;
  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  const ready = () => unclaimedClaims(ctx.db, todayInLondon(now()), epaoSettingsOf(ctx.db)).filter(isReady).length;
  const homeCount = async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    return $((await admin.get('/')).text)('#task-claims .app-task__count').text();
  };

  it('is the claims page’s count, and moves when a result becomes ready', async () => {
    expect((await keptFigure(ctx.db, 'readyClaims', now(), 60_000)).value).to.equal(ready());
    const before = ready();
    expect(await homeCount()).to.equal(before === 0 ? '' : String(before));
    // A's appeal withdrawn, its result released two months back and its certificate's address recorded: nothing holds it now.
    ctx.db.delete(appeals).where(eq(appeals.attemptId, f.attempt)).run();
    recordDelivery(ctx.db, f.a, delivery(), SETUP, now());
    ctx.db
      .update(epaAttempts)
      .set({ releasedAt: now().minus({ months: 2 }).toUTC().toISO() })
      .where(eq(epaAttempts.id, f.attempt))
      .run();
    expect(ready()).to.equal(before + 1);
    expect((await keptFigure(ctx.db, 'readyClaims', now(), 60_000)).value).to.equal(before + 1);
    expect(await homeCount()).to.equal(String(before + 1));
  });

  it('is counted in a worker thread when the database is a file, to the same number (and so is the booking queue)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-claims-count-'));
    const onFile = await testApp({ file: path.join(dir, 'epa.sqlite') });
    try {
      const fixture = await buildFixture(onFile);
      // A's result made ready, as above, so that the count is not nothing.
      onFile.db.delete(appeals).where(eq(appeals.attemptId, fixture.attempt)).run();
      recordDelivery(onFile.db, fixture.a, delivery(), SETUP, now());
      onFile.db
        .update(epaAttempts)
        .set({ releasedAt: now().minus({ months: 2 }).toUTC().toISO() })
        .where(eq(epaAttempts.id, fixture.attempt))
        .run();
      const inPlace = unclaimedClaims(onFile.db, todayInLondon(now()), epaoSettingsOf(onFile.db)).filter(isReady);
      expect(inPlace.length).to.be.at.least(1);
      expect((await keptFigure(onFile.db, 'readyClaims', now(), 60_000)).value).to.equal(inPlace.length);
      // The booking queue's figure too, from the worker's own connection.
      const queue = bookingQueue(onFile.db, todayInLondon(now()));
      expect(queue.length).to.be.at.least(1);
      expect((await keptFigure(onFile.db, 'toBook', now(), 60_000)).value).to.deep.equal({
        n: queue.length,
        longestDays: Math.max(...queue.map((r) => r.daysWaiting)),
      });
    } finally {
      onFile.db.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs a count that fails, shows it as being counted, and counts again at the next look', async () => {
    // A database with none of the app's tables: every count fails.
    const empty = drizzle(new Database(':memory:'));
    const logged: unknown[] = [];
    const look = () => keptFigure(empty as never, 'readyClaims', now(), 60_000, (error) => logged.push(error));
    expect(await look()).to.deep.equal({ value: null });
    expect(logged).to.have.length(1);
    expect(String(logged[0])).to.match(/no such table/);
    expect(await look()).to.deep.equal({ value: null });
    expect(logged).to.have.length(2);
  });

  it('counts once for looks that come while a count runs, and again only after a change', async () => {
    const counted = HOME_FIGURES.readyClaims;
    let counts = 0;
    HOME_FIGURES.readyClaims = (...args) => (counts++, counted(...args));
    try {
      const looks = await Promise.all([1, 2, 3].map(() => keptFigure(ctx.db, 'readyClaims', now(), 60_000)));
      expect(counts).to.equal(1);
      expect(new Set(looks.map((l) => l.value)).size).to.equal(1);
      // Unchanged, the next look is answered from the count kept.
      await keptFigure(ctx.db, 'readyClaims', now(), 60_000);
      expect(counts).to.equal(1);
      ctx.db.delete(appeals).where(eq(appeals.attemptId, f.attempt)).run();
      await Promise.all([1, 2].map(() => keptFigure(ctx.db, 'readyClaims', now(), 60_000)));
      expect(counts).to.equal(2);
    } finally {
      HOME_FIGURES.readyClaims = counted;
    }
  });
});

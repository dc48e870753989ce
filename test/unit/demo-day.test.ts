import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { openDatabase } from '../../src/db/connection.js';
import { bookings, users } from '../../src/db/schema.js';
import { loadDemoData } from '../../src/demo/index.js';
import { adminFigures, homeFor } from '../../src/home/service.js';
import { dashboardFigures } from '../../src/outcomes/dashboard.js';
import { findUser } from '../../src/users/store.js';
import { TEST_CONFIG } from '../support/app.js';
import { now } from '../support/clock.js';

async function demo(at: DateTime) {
  const db = openDatabase(':memory:');
  loadCatalogue(db);
  await loadDemoData(db, at, TEST_CONFIG.passwordHashCost);
  return db;
}

/** The home page of the demo user with this email (as its page counts, the administrator's results ready to claim too). */
async function homeOf(db: Awaited<ReturnType<typeof demo>>, at: DateTime, email: string) {
  const user = findUser(db, db.select({ id: users.id }).from(users).where(eq(users.email, email)).get()!.id)!;
  return homeFor(db, user, at, user.role === 'admin' ? await adminFigures(db, at, 60_000) : null);
}

/** The demo seeded at `at`, and the home page of the user with this email. */
async function demoHome(at: DateTime, email: string) {
  return homeOf(await demo(at), at, email);
}

describe('the demo lives in the present', function () {
  this.timeout(60_000);

  // Every day of one week, at mid-morning London time: the same shape whatever day it is seeded.
  const monday = now().setZone('Europe/London').startOf('week').set({ hour: 10, minute: 30 });
  for (let d = 0; d < 7; d++) {
    const at = monday.plus({ days: d });
    it(`gives every role work waiting, seeded on a ${at.toFormat('cccc')}`, async () => {
      const db = await demo(at);
      // The assessor: an assessment today, one to grade and a hold to confirm.
      const assessor = await homeOf(db, at, 'assessor@epao.example');
      const count = (h: typeof assessor, id: string) => h.tasks.find((t) => t.id === id)?.count ?? 0;
      const lines = (h: typeof assessor, id: string) => h.lists.find((l) => l.id === id)?.lines ?? [];
      expect(lines(assessor, 'today')).to.have.length(1);
      expect(count(assessor, 'to-grade')).to.be.at.least(1);
      expect(count(assessor, 'holds')).to.equal(1);
      expect(count(assessor, 'drafts'), 'a grading begun').to.equal(1);
      // The administrator: a hold that runs out today, a booking a later change broke, a result to release.
      const admin = await homeOf(db, at, 'admin@epao.example');
      expect(count(admin, 'holds'), 'holds that run out today').to.equal(1);
      expect(count(admin, 'at-risk'), 'bookings broken').to.equal(1);
      expect(count(admin, 'release'), 'results to release').to.equal(1);
      // The employer: a resit to agree and an assessment to come.
      const employer = await homeOf(db, at, 'employer@transport-union.example');
      expect(lines(employer, 'further'), 'resits to agree').to.have.length(1);
      expect(lines(employer, 'upcoming'), 'assessments to come').to.have.length.at.least(1);
      // Every assessment that took place was confirmed before its day, so no hold ran out on one.
      expect(db.select().from(bookings).where(eq(bookings.status, 'expired')).all()).to.deep.equal([]);
    });
  }

  it('gives the administrator and the quality assurer work waiting', async () => {
    const admin = await demoHome(monday, 'admin@epao.example');
    expect(admin.tasks.map((t) => t.id)).to.include.members(['reviews', 'to-book', 'moderation', 'appeals', 'claims']);
    const qa = await demoHome(monday, 'qa@epao.example');
    expect(qa.tasks.map((t) => t.id)).to.deep.equal(['moderation']);
  });

  it('books its assessments at realistic times after acceptance: fewer days to the first booking than to the result', async () => {
    const db = await demo(monday);
    const figures = dashboardFigures(db, {}, { kind: 'all' }, monday.toISODate()!);
    expect(figures.daysToBooking.count).to.be.at.least(3);
    expect(figures.daysToBooking.median!).to.be.lessThan(figures.daysToResult.median!);
  });
});

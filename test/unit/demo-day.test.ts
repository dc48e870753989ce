import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { openDatabase } from '../../src/db/connection.js';
import { users } from '../../src/db/schema.js';
import { loadDemoData } from '../../src/demo/index.js';
import { homeFor } from '../../src/home/service.js';
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

/** The demo seeded at `at`, and the home page of the user with this email. */
async function demoHome(at: DateTime, email: string) {
  const db = await demo(at);
  const id = db.select({ id: users.id }).from(users).where(eq(users.email, email)).get()!.id;
  return homeFor(db, findUser(db, id)!, at);
}

describe('the demo lives in the present', function () {
  this.timeout(60_000);

  // Every day of one week, at mid-morning London time: the same shape whatever day it is seeded.
  const monday = now().setZone('Europe/London').startOf('week').set({ hour: 10, minute: 30 });
  for (let d = 0; d < 7; d++) {
    const at = monday.plus({ days: d });
    it(`gives the demo assessor an assessment today, one to grade and a hold to confirm, seeded on a ${at.toFormat('cccc')}`, async () => {
      const home = await demoHome(at, 'assessor@epao.example');
      const count = (id: string) => home.tasks.find((t) => t.id === id)?.count ?? 0;
      expect(home.lists.find((l) => l.id === 'today')!.lines).to.have.length(1);
      expect(count('to-grade')).to.be.at.least(1);
      expect(count('holds')).to.equal(1);
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

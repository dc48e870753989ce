import { expect } from 'chai';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { journeyFactsOf } from '../../src/apprentices/store.js';
import { journeyStatus, RELEASED_STATUSES } from '../../src/apprentices/journey.js';
import { epaAttempts } from '../../src/db/schema.js';
import { dashboardPage, decideSubmission, submitForGateway } from '../../src/gateway/store.js';
import { isoDate, readyApprentice, SETUP, today } from '../support/apprentices.js';
import { now } from '../support/clock.js';
import { testDb } from '../support/app.js';

/*
 * The apprentices list filters a status after release in SQL (src/gateway/store.ts,
 * RESULT_STATUS_SQL), from the latest attempt alone. Over accepted apprentices with every
 * combination of latest result (and an earlier attempt beneath some), each filter must list
 * exactly those whose status journeyStatus works out to be that one.
 */
describe('the apprentices list’s filter by a status after release', () => {
  it('lists exactly the apprentices journeyStatus gives that status, whatever their earlier attempts', async function () {
    this.timeout(20_000);
    const { db } = await testDb();
    const on = isoDate(today());
    const combinations: {
      grade: 'Pass' | 'Distinction' | 'Fail' | 'Withdrawn' | null;
      released: boolean;
      claimed: boolean;
    }[] = [];
    for (const grade of [null, 'Pass', 'Distinction', 'Fail', 'Withdrawn'] as const)
      for (const released of grade ? [false, true] : [false])
        for (const claimed of released ? [false, true] : [false]) combinations.push({ grade, released, claimed });
    // Every combination, alone and above an earlier attempt, and one accepted apprentice with no attempt at all.
    const cases = [
      ...combinations.map((c) => ({ ...c, earlier: false, none: false })),
      ...combinations.map((c) => ({ ...c, earlier: true, none: false })),
      { grade: null, released: false, claimed: false, earlier: false, none: true },
    ];
    const ulns = validUlns(cases.length, 590_000_000);
    const ids = cases.map((c, i) => {
      const a = readyApprentice(db, ulns[i]!, `Case${i}`, 'Filter');
      const submitted = submitForGateway(db, a, on, SETUP);
      if (!submitted.ok) throw new Error(submitted.message);
      const decided = decideSubmission(
        db,
        submitted.submission.id,
        {
          checks: CHECK_CODES.map((code) => ({ code, accepted: true, reason: null })),
          outcome: 'accepted',
          reason: null,
        },
        3,
        on,
        SETUP,
        now(),
      );
      if (!decided.ok) throw new Error(decided.message);
      const attempt = (number: number, grade: string | null, released: boolean, claimed: boolean) =>
        db
          .insert(epaAttempts)
          .values({
            apprenticeId: a.id,
            number,
            kind: number === 1 ? 'first' : 'resit',
            startedOn: on,
            overallGrade: grade as never,
            releasedAt: released ? now().toUTC().toISO() : null,
            claimedAt: claimed ? now().toUTC().toISO() : null,
          })
          .run();
      // Beneath some, an earlier attempt released and claimed: only the latest counts.
      if (c.none) return a.id;
      if (c.earlier) attempt(1, 'Fail', true, false);
      attempt(c.earlier ? 2 : 1, c.grade, c.released, c.claimed);
      return a.id;
    });
    const facts = journeyFactsOf(db, ids);
    const expected = (status: string) =>
      cases
        .map((_, i) => ids[i]!)
        .filter((id) => journeyStatus({ gateway: 'accepted', ...facts.get(id)! }) === status)
        .sort();
    let listedSomewhere = 0;
    for (const status of RELEASED_STATUSES) {
      const page = dashboardPage(db, { kind: 'all' }, on, { status }, 1, 100);
      const listed = page.rows.map((r) => r.id).sort();
      expect(listed, status).to.deep.equal(expected(status));
      expect(page.matching, status).to.equal(listed.length);
      expect(listed.length, `${status} has cases`).to.be.greaterThan(0);
      for (const row of page.rows) expect(row.status).to.equal(status);
      listedSomewhere += listed.length;
    }
    // The rest (no result released, or none yet) are under no status after release.
    expect(listedSomewhere).to.equal(cases.filter((c) => c.released).length);
  });
});

import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { validUlns } from '../../src/apprentices/uln.js';
import { gatewayStatusCache } from '../../src/db/schema.js';
import { noteClearedStatuses, restoreClearedStatuses } from '../../src/gateway/status-upkeep.js';
import { refreshGatewayCache, statusCacheComplete } from '../../src/gateway/store.js';
import { isoDate, readyApprentice, today } from '../support/apprentices.js';
import { testDb } from '../support/app.js';

const ALL = { kind: 'all' } as const;
const [ULN_A, ULN_B] = validUlns(2, 590_000_000);

describe('gateway statuses worked out again after the write that cleared them', () => {
  const on = isoDate(today());
  const errors: unknown[] = [];
  const log = (error: unknown) => errors.push(error);

  async function twoWithStatuses() {
    const { db } = await testDb();
    noteClearedStatuses(db);
    const a = readyApprentice(db, ULN_A!, 'Una', 'Upkeep');
    const b = readyApprentice(db, ULN_B!, 'Bo', 'Upkeep');
    refreshGatewayCache(db, ALL, on);
    restoreClearedStatuses(db, on, log); // forget what setting them up cleared
    return { db, a, b };
  }
  const statusOf = (db: Awaited<ReturnType<typeof twoWithStatuses>>['db'], id: number) =>
    db.select().from(gatewayStatusCache).where(eq(gatewayStatusCache.apprenticeId, id)).get();

  it('stores again each status a change cleared, once, and says how many', async () => {
    const { db, a, b } = await twoWithStatuses();
    const before = statusOf(db, a.id);
    db.delete(gatewayStatusCache).where(eq(gatewayStatusCache.apprenticeId, a.id)).run();
    expect(statusCacheComplete(db, ALL, on)).to.equal(false);
    expect(restoreClearedStatuses(db, on, log)).to.equal(1);
    expect(statusOf(db, a.id)).to.deep.equal(before);
    expect(statusCacheComplete(db, ALL, on)).to.equal(true);
    expect(restoreClearedStatuses(db, on, log), 'nothing is left to work out').to.equal(0);
    expect(statusOf(db, b.id)?.evaluatedOn).to.equal(on);
    expect(errors).to.deep.equal([]);
  });

  it('leaves more than it may work out at once to the pages, and forgets them', async () => {
    const { db } = await twoWithStatuses();
    db.delete(gatewayStatusCache).run();
    expect(restoreClearedStatuses(db, on, log, 1)).to.equal(0);
    expect(db.select().from(gatewayStatusCache).all()).to.deep.equal([]);
    expect(restoreClearedStatuses(db, on, log, 1), 'forgotten, not tried again').to.equal(0);
    // The pages still find them missing and work them out.
    expect(refreshGatewayCache(db, ALL, on)).to.include({ ready: 2 });
    expect(errors).to.deep.equal([]);
  });

  it('notes nothing when no status was cleared by a write', async () => {
    const { db } = await twoWithStatuses();
    expect(restoreClearedStatuses(db, on, log)).to.equal(0);
  });
});

import { expect } from 'chai';
import { DateTime } from 'luxon';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { addApprentices } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { storeStoppedInTurns, untilStatusesCanBeStored } from '../../src/gateway/service.js';
import { DEMO_PROVIDERS } from '../../src/demo/index.js';
import { refreshGatewayCache, statusCacheComplete } from '../../src/gateway/store.js';
import { now } from '../support/clock.js';
import { testDb } from '../support/app.js';
import { apprenticeInput } from '../support/apprentices.js';

/*
 * A new day's first page works out the statuses a date has reached a few at a time, letting other
 * requests in between (gateway/service.ts), so nobody waits long behind it.
 */

const today = DateTime.fromISO(now().toISODate());
const day = (offset: number) => today.plus({ days: offset }).toISODate()!;
const ALL = { kind: 'all' } as const;

async function tenWhoseStatusesStopTomorrow(otherProvider?: string) {
  const { db } = await testDb();
  const ulns = validUlns(10, 320_000_000);
  const added = addApprentices(
    db,
    ulns.map((uln, i) => ({ line: i + 2, input: apprenticeInput(uln, 'Turns', `Apprentice ${i}`) })),
    SYSTEM_ACTOR,
    'test',
  );
  if (!added.ok) throw new Error('setup');
  // Half of them, with another provider when one is given.
  if (otherProvider)
    db.$client.prepare('update apprentices set provider_ukprn = ? where id % 2 = 0').run(otherProvider);
  refreshGatewayCache(db, ALL, day(0));
  // As if a date each status reads were tomorrow (the practical period's end, say).
  db.$client.prepare('update gateway_status_cache set valid_until = ?').run(day(1));
  const workedOut = () =>
    db.$client
      .prepare('select count(*) from gateway_status_cache where evaluated_on = ?')
      .pluck()
      .get(day(1)) as number;
  return { db, workedOut };
}

describe('a new day’s statuses, worked out in turns', () => {
  it('stores them a few at a time, other work let in between, until every one holds', async () => {
    const { db, workedOut } = await tenWhoseStatusesStopTomorrow();
    expect(statusCacheComplete(db, ALL, day(1))).to.equal(false);
    const seenBetween: number[] = [];
    const done = storeStoppedInTurns(db, ALL, day(1), undefined, 3);
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      seenBetween.push(workedOut());
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(workedOut()).to.equal(10);
    expect(statusCacheComplete(db, ALL, day(1))).to.equal(true);
    // Other work ran while some, but not all, had been stored: 3, 6 and 9 of the 10.
    expect(seenBetween.filter((n) => n > 0 && n < 10)).to.include.members([3, 6, 9]);
  });

  it('works out everyone else’s too once a provider’s page has its own, so that none pile up for the counts to read', async () => {
    const { db, workedOut } = await tenWhoseStatusesStopTomorrow(DEMO_PROVIDERS[1]!.ukprn);
    const provider = { kind: 'provider' as const, ukprn: DEMO_PROVIDERS[0]!.ukprn };
    expect(
      db.$client.prepare('select count(*) from apprentices where provider_ukprn = ?').pluck().get(provider.ukprn),
    ).to.equal(5);
    await untilStatusesCanBeStored(db, provider, day(1));
    expect(statusCacheComplete(db, provider, day(1))).to.equal(true);
    for (let wait = 0; wait < 500 && workedOut() < 10; wait++) await new Promise((resolve) => setImmediate(resolve));
    expect(workedOut()).to.equal(10);
    expect(statusCacheComplete(db, ALL, day(1))).to.equal(true);
  });

  it('lets a second request for the same scope and day wait for the turns under way, not repeat them', async () => {
    const { db } = await tenWhoseStatusesStopTomorrow();
    const first = storeStoppedInTurns(db, ALL, day(1), undefined, 3);
    expect(storeStoppedInTurns(db, ALL, day(1), undefined, 3)).to.equal(first);
    await first;
    expect(statusCacheComplete(db, ALL, day(1))).to.equal(true);
  });

  it('waits for the write gate before each turn', async () => {
    const { db, workedOut } = await tenWhoseStatusesStopTomorrow();
    let open = () => {};
    const gate = { held: true, whenOpen: () => new Promise<void>((resolve) => (open = resolve)) };
    const done = storeStoppedInTurns(db, ALL, day(1), gate as never, 3);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(workedOut()).to.equal(0);
    gate.held = false;
    open();
    await done;
    expect(workedOut()).to.equal(10);
  });
});

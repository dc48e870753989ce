import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { asc, eq } from 'drizzle-orm';
import { openConnection } from '../../src/db/connection.js';
import { gatewayStatusCache, offTheJobHours } from '../../src/db/schema.js';
import {
  missingEvaluations,
  refreshGatewayCache,
  statusCacheComplete,
  type CacheRow,
} from '../../src/gateway/store.js';
import { warmStatusCache, warmUp } from '../../src/gateway/warm-up.js';
import { testApp, type TestContext } from '../support/app.js';
import { todayIso } from '../support/clock.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/*
 * After an install, a migration or a restore, no apprentice has a gateway status: the app starts
 * a worker that works them out and stores them (src/gateway/warm-up.ts), so that no page has to.
 */
describe('the gateway statuses worked out at start-up, in a worker', () => {
  const ALL = { kind: 'all' } as const;
  let dir: string;
  let ctx: TestContext;
  let f: Fixture;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-warm-'));
    ctx = await testApp({ file: path.join(dir, 'epa.sqlite') });
    f = await buildFixture(ctx);
    ctx.db.delete(gatewayStatusCache).run();
  });
  afterEach(() => {
    ctx.db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stored = (): CacheRow[] =>
    ctx.db
      .select()
      .from(gatewayStatusCache)
      .orderBy(asc(gatewayStatusCache.apprenticeId))
      .all()
      .map((r) => [r.apprenticeId, r.state, r.unmet, r.validUntil]);
  const workedOut = () => [...missingEvaluations(ctx.db, ALL, todayIso())].flat().sort((a, b) => a[0] - b[0]);

  it('stores every missing status, as a page would work them out, and then has nothing to do', async () => {
    const expected = workedOut();
    expect(expected.length).to.be.at.least(5);
    expect(statusCacheComplete(ctx.db, ALL, todayIso())).to.equal(false);
    expect(await warmStatusCache(ctx.db, todayIso())).to.equal(expected.length);
    expect(stored()).to.deep.equal(expected);
    expect(statusCacheComplete(ctx.db, ALL, todayIso())).to.equal(true);
    expect(warmStatusCache(ctx.db, todayIso())).to.equal(null);
  });

  it('stores no status whose evidence changed while it was worked out: a page works that one out when asked', async () => {
    const readyBefore = workedOut().find(([id]) => id === f.e.id)!;
    expect(readyBefore[1]).to.equal('ready');
    const worker = openConnection(path.join(dir, 'epa.sqlite'));
    let writes = 0;
    let n: number;
    try {
      n = await warmUp(
        worker,
        todayIso(),
        () => {
          // Before the worker's second write (its statuses worked out), the app removes E's off-the-job hours.
          if (++writes === 2) ctx.db.delete(offTheJobHours).where(eq(offTheJobHours.apprenticeId, f.e.id)).run();
          return Promise.resolve();
        },
        () => undefined,
      );
    } finally {
      worker.$client.close();
    }
    // Everyone else's status is stored; E's, worked out from the hours since removed, is not.
    expect(stored().map(([id]) => id)).to.not.include(f.e.id);
    expect(stored()).to.have.length(n);
    expect(n).to.be.at.least(4);
    expect(statusCacheComplete(ctx.db, ALL, todayIso())).to.equal(false);
    const e = workedOut().find(([id]) => id === f.e.id)!;
    expect(e[1]).to.equal('not_ready');
    expect(e[2]).to.equal(',off_the_job,');
    expect(workedOut()).to.have.length(1);
  });

  it('leaves a status a page stored meanwhile as it is', async () => {
    const worker = openConnection(path.join(dir, 'epa.sqlite'));
    let writes = 0;
    try {
      await warmUp(
        worker,
        todayIso(),
        () => {
          // A page works out and stores everyone's status between the worker's two writes.
          if (++writes === 2) {
            ctx.db.delete(gatewayStatusCache).run();
            ctx.db.delete(offTheJobHours).where(eq(offTheJobHours.apprenticeId, f.e.id)).run();
            expect(statusCacheComplete(ctx.db, ALL, todayIso())).to.equal(false);
            refreshGatewayCache(ctx.db, ALL, todayIso());
          }
          return Promise.resolve();
        },
        () => undefined,
      );
    } finally {
      worker.$client.close();
    }
    expect(
      stored()
        .find(([id]) => id === f.e.id)!
        .slice(1, 3),
    ).to.deep.equal(['not_ready', ',off_the_job,']);
    expect(statusCacheComplete(ctx.db, ALL, todayIso())).to.equal(true);
  });
});

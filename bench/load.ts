import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type autocannon from 'autocannon';
import { signInCookie } from './gateway.js';
import {
  ACCEPTED,
  ALREADY_SUBMITTED,
  checkNothingLost,
  plannedSubmissions,
  runGradingLoad,
  signInAssessors,
  type NothingLostReport,
} from './grading-load.js';
import { createLoadDatabase, LOAD_SIZES, type LoadFixture, type LoadSize } from './load-setup.js';
import { dailyPages, emailOf, roleName, type LoadRole } from './daily-pages.js';
import { startServer } from './load-process.js';
import { healthWaits, timedGet } from './timed.js';
import { steadyRun, summarise, type SteadyRun } from './load-run.js';

/*
 * Issues 8 and 18: every page a role opens daily, under load, at two sizes. autocannon with 50
 * connections against a bare Express + better-sqlite3 + Handlebars page of 50 rows (the
 * baseline, measured in the same run), then each role's daily pages (bench/daily-pages.ts),
 * each server in a process of its own. Then the grading form's writes at the larger size, and
 * the database read back to show that no accepted grading was lost or stored twice.
 */

export interface LoadBenchOptions {
  connections: number;
  /** Each measured window, after its warm-up. */
  seconds: number;
  /** The least warm-up; it goes on until every connection has been answered once, up to `maxWarmupSeconds`. */
  warmupSeconds: number;
  maxWarmupSeconds: number;
  sizes: { small: LoadSize; large: LoadSize };
  /** Every n-th booking is submitted twice at once. */
  duplicateEvery: number;
  /** Write-load window (the grading submissions). */
  writeSeconds: number;
}

const DEFAULTS: LoadBenchOptions = {
  connections: 50,
  seconds: 5,
  warmupSeconds: 2,
  maxWarmupSeconds: 30,
  sizes: LOAD_SIZES,
  duplicateEvery: 10,
  writeSeconds: 10,
};
/** Issue 18: no daily page below a quarter of the bare page's throughput, and none timing out. */
const GOAL_SHARE = 0.25;
/** A page whose throughput at ten times the data stays above half is O(page); below, it grows with all the data. */
const SCALES_WITH_PAGE = 0.5;

interface Row {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
  unexpected: number;
  errors: number;
  note: string;
}

function rowOf(
  name: string,
  run: SteadyRun,
  expected: (status: number) => boolean,
  connections: number,
  note = '',
): Row {
  const warmup = `warm-up ${run.warmupSeconds.toFixed(1)} s${run.connectionsAnswered < connections ? `, only ${run.connectionsAnswered} of ${connections} connections answered by then` : ''}`;
  return { name, ...summarise(run, expected), errors: run.errors, note: [warmup, note].filter(Boolean).join('; ') };
}

function pages(
  url: string,
  requests: autocannon.Request[],
  headers: Record<string, string>,
  options: LoadBenchOptions,
): Promise<SteadyRun> {
  return steadyRun({
    url,
    requests,
    headers,
    connections: options.connections,
    warmupSeconds: options.warmupSeconds,
    maxWarmupSeconds: options.maxWarmupSeconds,
    seconds: options.seconds,
  });
}

function printReport(r: NothingLostReport): boolean {
  const other =
    Object.entries(r.otherAnswers)
      .map(([status, n]) => `${n} × ${status}`)
      .join(', ') || 'none';
  console.log(
    `  Writes: ${r.sent} submissions to ${r.bookings} bookings (warm-up, window and the requests in flight when it closed); ${r.duplicatePairs} bookings sent twice at once (${r.pairsInFlightTogether} of those pairs both in flight together)`,
  );
  console.log(
    `    answers: ${r.accepted} accepted (303 to the submitted grading), ${r.refusedAsAlreadySubmitted} refused as already submitted (409), other: ${other}; ${r.pairsOneAcceptedOneRefused} of ${r.duplicatePairs} double submissions answered one 303 and one 409`,
  );
  console.log(
    `    database afterwards: ${r.submittedInDatabase} submitted gradings for ${r.accepted} accepted submissions; lost ${r.lost.length}, duplicated ${r.duplicated.length}, stored without an acknowledgement ${r.unacknowledged.length}, not whole ${r.notWhole.length}; server errors ${r.serverErrors}`,
  );
  for (const problem of [
    ...r.lost.map((id) => `lost: booking ${id}`),
    ...r.duplicated,
    ...r.unacknowledged.map((id) => `unacknowledged: booking ${id}`),
    ...r.notWhole,
  ].slice(0, 10))
    console.log(`      ${problem}`);
  const ok =
    r.lost.length === 0 &&
    r.duplicated.length === 0 &&
    r.unacknowledged.length === 0 &&
    r.notWhole.length === 0 &&
    r.serverErrors === 0 &&
    Object.keys(r.otherAnswers).length === 0 &&
    r.pairsOneAcceptedOneRefused === r.duplicatePairs;
  console.log(`    nothing lost, nothing duplicated: ${ok ? 'yes' : 'NO'}`);
  return ok;
}

interface SizeRun {
  fixture: LoadFixture;
  bare: Row;
  pages: Row[];
  /** The first request of each role's home page and dashboard on a server just started: the day's first. */
  first: { name: string; ms: number }[];
}

/** One size: its database, the bare page, every daily page; and the writes when `write` is set. */
async function runSize(
  dir: string,
  label: 'small' | 'large',
  size: LoadSize,
  options: LoadBenchOptions,
  write: boolean,
): Promise<SizeRun & { writeOk?: boolean }> {
  const started = performance.now();
  const fixture = await createLoadDatabase(path.join(dir, `load-${label}.sqlite`), size);
  console.log(
    `  ${fixture.apprentices.toLocaleString('en-GB')} apprentices (made in ${((performance.now() - started) / 1000).toFixed(1)} s): provider ${fixture.provider.ukprn} with ${fixture.provider.apprentices.toLocaleString('en-GB')}, ${size.results.toLocaleString('en-GB')} released results elsewhere, ${fixture.bookings.length.toLocaleString('en-GB')} bookings that have taken place across ${fixture.assessors.length} assessors`,
  );
  const ok = (s: number) => s === 200;
  const bareServer = await startServer('bare', path.join(dir, `bare-${label}.sqlite`));
  let bare: Row;
  try {
    bare = rowOf(
      'Bare page (50 rows)',
      await pages(`${bareServer.base}/people`, [{ method: 'GET', path: '/people' }], {}, options),
      ok,
      options.connections,
    );
  } finally {
    await bareServer.stop();
  }

  const app = await startServer('app', fixture.file);
  const rows: Row[] = [];
  const first: SizeRun['first'] = [];
  let serverErrors: number;
  let writeRun: Awaited<ReturnType<typeof runGradingLoad>> | undefined;
  try {
    const daily = dailyPages(fixture);
    const cookies = new Map<LoadRole, string>();
    for (const role of new Set(daily.map((p) => p.role))) {
      const cookie = await signInCookie(app.base, emailOf(fixture, role), fixture.password);
      if (!cookie.includes('epa_session=')) throw new Error(`the ${roleName(role)} could not sign in`);
      cookies.set(role, cookie);
    }
    // The day's first requests, one at a time, before any load: what a status cache or memo costs to fill,
    // while /health is asked every 20 ms: how long anyone else waited behind them.
    const health = healthWaits(app.base);
    for (const page of daily.filter((p) => p.name === 'home' || p.paths[0] === '/apprentices'))
      first.push({
        name: `${roleName(page.role)} ${page.name}`,
        ms: await timedGet(app.base, page.paths[0]!, cookies.get(page.role)!),
      });
    first.push({ name: '/health meanwhile, worst wait', ms: await health.stop() });
    for (const page of daily) {
      const row = rowOf(
        `${roleName(page.role)}: ${page.name}`,
        await pages(
          app.base,
          page.paths.map((p) => ({ method: 'GET' as const, path: p })),
          { cookie: cookies.get(page.role)! },
          options,
        ),
        ok,
        options.connections,
      );
      rows.push(row);
      // Progress, for a run that takes minutes; the table comes at the end.
      console.log(`    ${row.name}: ${row.perSecond.toFixed(0)} req/s, p99 ${row.p99.toFixed(0)} ms`);
    }
    if (write) {
      const sessions = await signInAssessors(app.base, fixture, fixture.bookings);
      writeRun = await runGradingLoad(
        app.base,
        sessions,
        plannedSubmissions(fixture.plan, fixture.bookings, options.duplicateEvery),
        {
          connections: options.connections,
          warmupSeconds: options.warmupSeconds,
          maxWarmupSeconds: options.maxWarmupSeconds,
          seconds: options.writeSeconds,
        },
      );
      const ranOut = writeRun.run.endedEarly
        ? `every one of the ${fixture.bookings.length} bookings sent before the window ended (${writeRun.run.windowSeconds.toFixed(1)} s)`
        : '';
      rows.push(
        rowOf(
          'Assessor: grading submissions',
          writeRun.run,
          (s) => s === ACCEPTED || s === ALREADY_SUBMITTED,
          options.connections,
          ranOut,
        ),
      );
    }
  } finally {
    serverErrors = (await app.stop()).errors;
  }
  const writeOk = writeRun
    ? printReport(
        checkNothingLost(fixture.file, writeRun.outcomes, serverErrors, new Set(fixture.bookings.map((b) => b.id))),
      )
    : undefined;
  if (serverErrors > 0) console.log(`  The app logged ${serverErrors} unexpected errors (500s)`);
  return { fixture, bare, pages: rows, first, ...(writeOk === undefined ? {} : { writeOk }) };
}

const count = (n: number) => n.toLocaleString('en-GB');

export async function runLoadBench(overrides: Partial<LoadBenchOptions> = {}): Promise<void> {
  const options = { ...DEFAULTS, ...overrides };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-bench-load-'));
  try {
    console.log(
      `Load: every daily page of every role (Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}; autocannon, ${options.connections} connections; each server in its own process, NODE_ENV=production, SQLite file in WAL mode after ANALYZE)`,
    );
    console.log(
      `  Each run warms up for at least ${options.warmupSeconds} s and until every connection has been answered, then measures ${options.seconds} s`,
    );
    const small = await runSize(dir, 'small', options.sizes.small, options, false);
    const large = await runSize(dir, 'large', options.sizes.large, options, true);

    const [n1, n2] = [count(small.fixture.apprentices), count(large.fixture.apprentices)];
    console.log(`  The day's first request on a server just started (ms), at ${n1} and ${n2} apprentices:`);
    for (const [i, f] of large.first.entries())
      console.log(`    ${f.name.padEnd(34)}${small.first[i]!.ms.toFixed(0).padStart(8)}${f.ms.toFixed(0).padStart(8)}`);
    console.log(
      `  ${''.padEnd(44)}${`req/s at ${n1}`.padStart(16)}${`req/s at ${n2}`.padStart(17)}${'share'.padStart(7)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'non-2xx'.padStart(9)}${'errors'.padStart(8)}   growth`,
    );
    const line = (r: Row, smallRow: Row | undefined, share: string, growth: string) =>
      console.log(
        `  ${r.name.padEnd(44)}${(smallRow ? smallRow.perSecond.toFixed(0) : '').padStart(16)}${r.perSecond.toFixed(0).padStart(17)}${share.padStart(7)}${`${r.p50.toFixed(0)} ms`.padStart(8)}${`${r.p99.toFixed(0)} ms`.padStart(8)}${String(r.unexpected).padStart(9)}${String(r.errors).padStart(8)}   ${growth}`,
      );
    line(large.bare, small.bare, '100%', '');
    const failing: string[] = [];
    for (const r of large.pages) {
      const smallRow = small.pages.find((s) => s.name === r.name);
      const share = r.perSecond / large.bare.perSecond;
      const kept = smallRow ? r.perSecond / smallRow.perSecond : undefined;
      const growth =
        kept === undefined
          ? ''
          : `${(kept * 100).toFixed(0)}% kept: ${kept >= SCALES_WITH_PAGE ? 'O(page)' : 'O(all)'}`;
      line(r, smallRow, `${(share * 100).toFixed(0)}%`, growth);
      const isWrite = r.name.includes('submissions');
      if ((!isWrite && share < GOAL_SHARE) || r.errors > 0 || r.unexpected > 0) failing.push(r.name);
    }
    console.log(
      `    (share: of the bare page's throughput at ${n2}; growth: the throughput kept at ten times the data, O(page) when at least ${SCALES_WITH_PAGE * 100}% is kept. The grading form answers 303 when it accepts a submission and 409 when it was already submitted: its non-2xx column counts any other answer; errors: connection errors and timeouts)`,
    );
    console.log(
      `  Every daily page at least ${GOAL_SHARE * 100}% of the bare page, none timing out: ${failing.length === 0 ? 'met' : `NOT met (${failing.join('; ')})`}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

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
import { BENCH_SIZE, createLoadDatabase, type LoadSize } from './load-setup.js';
import { startServer } from './load-process.js';
import { steadyRun, summarise, type SteadyRun } from './load-run.js';

/*
 * Issue 8: load with nothing lost. autocannon with 50 connections against a bare Express +
 * better-sqlite3 + Handlebars page of 50 rows, the provider dashboard (signed in as the
 * provider) and the grading submission, each server in a process of its own; then the
 * database is read back to show that no accepted grading was lost or stored twice.
 */

export interface LoadBenchOptions {
  connections: number;
  /** Each measured window, after its warm-up. */
  seconds: number;
  /** The least warm-up; it goes on until every connection has been answered once, up to `maxWarmupSeconds`. */
  warmupSeconds: number;
  maxWarmupSeconds: number;
  size: LoadSize;
  /** Every n-th booking is submitted twice at once. */
  duplicateEvery: number;
}

const DEFAULTS: LoadBenchOptions = {
  connections: 50,
  seconds: 10,
  warmupSeconds: 3,
  maxWarmupSeconds: 30,
  size: BENCH_SIZE,
  duplicateEvery: 10,
};
/** The issue's goals for the dashboard. */
const GOALS = { ratio: 0.4, p99Ms: 250 };

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

/** The dashboard's state counts, as the provider sees them on the page. */
async function dashboardSummary(base: string, cookie: string): Promise<string> {
  const res = await fetch(`${base}/apprentices`, { headers: { cookie } });
  const html = await res.text();
  if (res.status !== 200 || !html.includes('apprentices shown'))
    throw new Error(`the dashboard answered ${res.status}`);
  return [...html.matchAll(/<option value="(?:not_ready|ready|submitted|accepted|rejected)"[^>]*>([^<]+)<\/option>/g)]
    .map((m) => m[1]!.trim())
    .join(', ');
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

export async function runLoadBench(overrides: Partial<LoadBenchOptions> = {}): Promise<void> {
  const options = { ...DEFAULTS, ...overrides };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-bench-load-'));
  try {
    const started = performance.now();
    const fixture = await createLoadDatabase(path.join(dir, 'load.sqlite'), options.size);
    console.log(
      `Load (Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}; autocannon, ${options.connections} connections; each server in its own process, NODE_ENV=production, SQLite file in WAL mode)`,
    );
    console.log(
      `  Each run warms up for at least ${options.warmupSeconds} s and until every connection has been answered, then measures ${options.seconds} s`,
    );
    console.log(
      `  Data (made in ${((performance.now() - started) / 1000).toFixed(1)} s): provider ${fixture.provider.ukprn} with ${fixture.provider.apprentices} apprentices; ${fixture.bookings.length} confirmed bookings that have taken place, ${fixture.assessors.length} assessors`,
    );

    const rows: Row[] = [];
    const bare = await startServer('bare', path.join(dir, 'bare.sqlite'));
    try {
      rows.push(
        rowOf(
          'Bare page (50 rows)',
          await pages(`${bare.base}/people`, [{ method: 'GET', path: '/people' }], {}, options),
          (s) => s === 200,
          options.connections,
        ),
      );
    } finally {
      await bare.stop();
    }

    const app = await startServer('app', fixture.file);
    let serverErrors = 0;
    let write: Awaited<ReturnType<typeof runGradingLoad>> | undefined;
    try {
      const cookie = await signInCookie(app.base, fixture.provider.email, fixture.password);
      if (!cookie.includes('epa_session=')) throw new Error('the provider could not sign in');
      // The first request of the day evaluates every apprentice and fills the status cache.
      console.log(`  Provider dashboard states: ${await dashboardSummary(app.base, cookie)}`);
      // For scale: the app's least page (session, CSRF token, layout; no query of its own).
      const home = rowOf(
        '  app home page (for scale)',
        await pages(`${app.base}/`, [{ method: 'GET', path: '/' }], { cookie }, options),
        (s) => s === 200,
        options.connections,
      );
      rows.push(
        rowOf(
          'Provider dashboard (page 1)',
          await pages(`${app.base}/apprentices`, [{ method: 'GET', path: '/apprentices' }], { cookie }, options),
          (s) => s === 200,
          options.connections,
        ),
      );
      const mix = [
        '/apprentices?page=2',
        '/apprentices?state=accepted&page=3',
        '/apprentices?unmet=maths',
        '/apprentices?state=not_ready',
      ].map((p) => ({ method: 'GET' as const, path: p }));
      rows.push(
        rowOf(
          '  filters and pages (mix)',
          await pages(`${app.base}/apprentices`, mix, { cookie }, options),
          (s) => s === 200,
          options.connections,
        ),
      );
      rows.push(home);

      const sessions = await signInAssessors(app.base, fixture, fixture.bookings);
      write = await runGradingLoad(
        app.base,
        sessions,
        plannedSubmissions(fixture.plan, fixture.bookings, options.duplicateEvery),
        {
          connections: options.connections,
          warmupSeconds: options.warmupSeconds,
          maxWarmupSeconds: options.maxWarmupSeconds,
          seconds: options.seconds,
        },
      );
      const ranOut = write.run.endedEarly
        ? `every one of the ${fixture.bookings.length} bookings sent before the window ended (${write.run.windowSeconds.toFixed(1)} s)`
        : '';
      rows.push(
        rowOf(
          'Grading submissions (form)',
          write.run,
          (s) => s === ACCEPTED || s === ALREADY_SUBMITTED,
          options.connections,
          ranOut,
        ),
      );
    } finally {
      serverErrors = (await app.stop()).errors;
    }

    console.log(
      `  ${''.padEnd(30)}${'req/s'.padStart(8)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'non-2xx'.padStart(9)}${'errors'.padStart(8)}`,
    );
    for (const r of rows)
      console.log(
        `  ${r.name.padEnd(30)}${r.perSecond.toFixed(0).padStart(8)}${`${r.p50.toFixed(0)} ms`.padStart(10)}${`${r.p99.toFixed(0)} ms`.padStart(10)}${String(r.unexpected).padStart(9)}${String(r.errors).padStart(8)}   (${r.note})`,
      );
    console.log(
      '    (the grading form answers 303 when it accepts a submission and 409 when it was already submitted: its non-2xx column counts any other answer; errors: connection errors and timeouts)',
    );
    const [bareRow, dashboard, , homeRow] = rows;
    const ratio = dashboard!.perSecond / bareRow!.perSecond;
    console.log(
      `  Dashboard / bare page: ${(ratio * 100).toFixed(0)}% of the throughput (goal at least ${GOALS.ratio * 100}%: ${ratio >= GOALS.ratio ? 'met' : 'NOT met'}); dashboard p99 ${dashboard!.p99.toFixed(0)} ms (goal under ${GOALS.p99Ms} ms: ${dashboard!.p99 < GOALS.p99Ms ? 'met' : 'NOT met'})`,
    );
    console.log(
      `    for scale, the app's home page gets ${((homeRow!.perSecond / bareRow!.perSecond) * 100).toFixed(0)}% of the bare page's throughput`,
    );
    if (write) printReport(checkNothingLost(fixture.file, write.outcomes, serverErrors));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

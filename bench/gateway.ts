import { DEFAULT_HASH_COST } from '../src/auth/passwords.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApp } from '../src/app.js';
import { systemClock, type Clock } from '../src/clock.js';
import { SYSTEM_ACTOR } from '../src/audit/audit.js';
import { parseApprenticeCsv, CSV_COLUMNS } from '../src/apprentices/import.js';
import { addApprentices } from '../src/apprentices/store.js';
import { importNow } from '../src/apprentices/import-job.js';
import { validUlns } from '../src/apprentices/uln.js';
import { openDatabase, type Db } from '../src/db/connection.js';
import { employers, providers } from '../src/db/schema.js';
import { DEMO_EMPLOYERS, DEMO_PROVIDERS, DEMO_PASSWORD } from '../src/demo/index.js';
import { loadCatalogue } from '../src/catalogue/load.js';
import { createApiToken, createUser } from '../src/users/store.js';
import { startServer, type ServerProcess } from './load-process.js';
import { healthWaits } from './timed.js';
import { noteClearedStatuses, restoreClearedStatuses, RESTORE_AT_ONCE } from '../src/gateway/status-upkeep.js';
import { refreshGatewayCache } from '../src/gateway/store.js';
import { todayInLondon } from '../src/dates.js';

const PROVIDER = DEMO_PROVIDERS[0]!.ukprn;

export function freshDb(dir: string, name: string): Db {
  const db = openDatabase(path.join(dir, `${name}.sqlite`));
  loadCatalogue(db);
  db.insert(providers).values(DEMO_PROVIDERS).run();
  db.insert(employers).values(DEMO_EMPLOYERS).run();
  return db;
}

export function csvOf(count: number, firstPrefix: number): string {
  const ulns = validUlns(count, firstPrefix);
  const today = DateTime.now();
  const lines = [Object.keys(CSV_COLUMNS).join(',')];
  for (let i = 0; i < count; i++) {
    const start = today.minus({ days: 200 + (i % 500) });
    lines.push(
      [
        ulns[i],
        `Given${i}`,
        `Family${i % 997}`,
        start.minus({ years: 20 + (i % 30) }).toISODate(),
        start.toISODate(),
        start.plus({ months: 18 }).toISODate(),
        'ST0815',
        '1.0',
        PROVIDER,
        DEMO_EMPLOYERS[i % DEMO_EMPLOYERS.length]!.id,
        i % 5 === 0 ? '22.5' : '37.5',
        '',
        i % 40 === 0 ? 'yes' : 'no',
        i % 3 === 0 ? 'employer_requires' : '',
        '',
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CSV import of 50,000 apprentices in place, as the import's worker runs it: read, check and stage every row, then write them in one transaction. */
export async function benchImport(dir: string): Promise<{ rows: number; seconds: number; rowsPerSecond: number }> {
  const rows = 50_000;
  const db = freshDb(dir, 'import');
  const admin = await createUser(
    db,
    { email: 'bench-admin@example.org', name: 'Bench', role: 'admin', password: DEMO_PASSWORD },
    SYSTEM_ACTOR,
    DEFAULT_HASH_COST,
  );
  if (!admin.ok) throw new Error('bench admin');
  const csv = csvOf(rows, 500_000_000);
  // What the import page and API do with an uploaded file, from text to committed rows.
  const started = performance.now();
  const result = importNow(db, {
    user: admin.user,
    source: 'bench',
    defaults: {},
    input: { kind: 'csv', bytes: Buffer.from(csv) },
    on: todayInLondon(DateTime.now()),
  });
  if (!result.ok) throw new Error(`bench import refused: ${JSON.stringify(result.problems.slice(0, 3))}`);
  const seconds = (performance.now() - started) / 1000;
  db.$client.close();
  return { rows, seconds, rowsPerSecond: rows / seconds };
}

/**
 * Adding one apprentice (checks and insert, as the form does) at 100 and at 100,000 apprentices:
 * the median of 200 adds each. The checks ask the ULN's unique index, so the two should match.
 */
export function benchAddOne(dir: string): { small: number; large: number; ratio: number } {
  const db = freshDb(dir, 'add-one');
  const add = (csv: string) => {
    const parsed = parseApprenticeCsv(csv);
    const added = addApprentices(db, parsed.rows, SYSTEM_ACTOR, 'bench');
    if (parsed.problems.length > 0 || !added.ok)
      throw new Error(
        `bench add refused: ${JSON.stringify([...parsed.problems, ...(added.ok ? [] : added.problems)].slice(0, 3))}`,
      );
  };
  const timeAdds = (firstPrefix: number) => {
    const rows = parseApprenticeCsv(csvOf(200, firstPrefix)).rows;
    const timings = rows.map((row) => {
      const started = performance.now();
      const added = addApprentices(db, [row], SYSTEM_ACTOR, 'bench');
      if (!added.ok) throw new Error('bench add refused');
      return performance.now() - started;
    });
    return median(timings);
  };
  add(csvOf(100, 700_000_000));
  const small = timeAdds(710_000_000);
  add(csvOf(99_700, 720_000_000));
  const large = timeAdds(790_000_000);
  db.$client.close();
  return { small, large, ratio: large / small };
}

/**
 * The status upkeep after a write (src/gateway/status-upkeep.ts) at 300 and at 100,000
 * apprentices: the median time to work out again and store one status a write cleared, and the
 * time for as many as a request does itself (RESTORE_AT_ONCE). Every other request waits for it.
 */
export function benchStatusUpkeep(dir: string) {
  const db = freshDb(dir, 'status-upkeep');
  const on = todayInLondon(DateTime.now());
  noteClearedStatuses(db);
  const addCsv = (count: number, firstPrefix: number) => {
    const added = addApprentices(db, parseApprenticeCsv(csvOf(count, firstPrefix)).rows, SYSTEM_ACTOR, 'bench');
    if (!added.ok) throw new Error('bench add refused');
    refreshGatewayCache(db, { kind: 'all' }, on);
    restoreClearedStatuses(db, on, console.error);
  };
  const clear = (count: number, offset: number) =>
    db.$client
      .prepare(
        'delete from gateway_status_cache where apprentice_id in (select id from apprentices order by id limit ? offset ?)',
      )
      .run(count, offset);
  const time = (count: number) => {
    const timings = Array.from({ length: 30 }, (_, i) => {
      clear(count, (i * 3) % 100);
      const started = performance.now();
      if (restoreClearedStatuses(db, on, console.error) !== count) throw new Error('bench upkeep stored too few');
      return performance.now() - started;
    });
    return median(timings);
  };
  addCsv(300, 730_000_000);
  const small = { one: time(1), many: time(RESTORE_AT_ONCE) };
  addCsv(99_700, 740_000_000);
  const large = { one: time(1), many: time(RESTORE_AT_ONCE) };
  db.$client.close();
  return { small, large, atOnce: RESTORE_AT_ONCE };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

/**
 * How the clients ask while an import runs. `steady`: each kind of request at a fixed rate
 * (STEADY_PER_SECOND), sent when due whether or not the one before has been answered, and each
 * wait counted from when it was due, so a stalled server shows in every request it held up and
 * not in one (what a client that waits for each answer before the next would report). `flat-out`:
 * each client asks again as soon as it is answered, so the server is never idle and the import
 * shares the two cores with them: that measures how the cores are shared, not how long anyone waits.
 */
type Load = 'steady' | 'flat-out';

/** The steady load: requests a second of /health, of the provider dashboard, and of an hour logged. */
const STEADY_PER_SECOND = { health: 20, dashboard: 20, write: 4 };

/**
 * A CSV import of 100,000 apprentices through the API into a database of 100,000 (their gateway
 * statuses kept, as a running app keeps them), while the app keeps answering, and then on its own.
 * The import runs in a worker thread (src/apprentices/import-job.ts); meanwhile clients ask for
 * /health and the provider dashboard and log an hour of training, steadily and then flat out
 * (Load). The app runs in a process of its own (bench/load-process.ts), as deployed, so its
 * memory is its own and not this client's; each measure starts a server afresh over a fresh copy
 * of the same database. The requests make garbage of their own, so each load is first run with no
 * import, and that memory rise is given beside the import's. Each import's baseline is a plain
 * prepared insert of the same rows in one transaction into a copy of the same database, measured
 * just before it, in the same run.
 */
export async function benchImportResponsiveness(dir: string) {
  const rows = 100_000;
  const existing = 100_000;
  const db = freshDb(dir, 'import-responsive');
  const seeded = parseApprenticeCsv(csvOf(existing, 300_000_000));
  if (!addApprentices(db, seeded.rows, SYSTEM_ACTOR, 'bench').ok) throw new Error('bench seed refused');
  refreshGatewayCache(db, { kind: 'all' }, todayInLondon(DateTime.now()));
  const admin = await createUser(
    db,
    { email: 'bench-importer@example.org', name: 'Bench', role: 'admin', password: DEMO_PASSWORD },
    SYSTEM_ACTOR,
    DEFAULT_HASH_COST,
  );
  const providerEmail = 'bench-provider-2@example.org';
  await createUser(
    db,
    { email: providerEmail, name: 'Bench', role: 'provider', ukprn: PROVIDER, password: DEMO_PASSWORD },
    SYSTEM_ACTOR,
    DEFAULT_HASH_COST,
  );
  if (!admin.ok) throw new Error('bench admin');
  const token = createApiToken(db, admin.user.id, SYSTEM_ACTOR, DateTime.utc(), 1).token;
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  const pristine = db.$client.name;
  db.$client.close();
  const file = path.join(dir, 'import-responsive-run.sqlite');
  const csv = csvOf(rows, 450_000_000);

  /** A server started afresh over a fresh copy of the database, its provider's dashboard asked once and one hour logged. */
  const onFreshServer = async <T>(work: (server: BenchServer) => Promise<T>): Promise<T> => {
    copyDatabase(pristine, file);
    const app = await startServer('app', file);
    try {
      const server = await benchServer(app, await signInCookie(app.base, providerEmail, DEMO_PASSWORD), {
        token,
        uln: seeded.rows[0]!.input.uln,
        rows,
      });
      return await work(server);
    } finally {
      await app.stop();
    }
  };
  const summary = (sorted: number[]) => ({ count: sorted.length, p99: quantile(sorted, 0.99), max: sorted.at(-1)! });
  /**
   * IMPORT_RUNS imports, each beside `load` (or on its own) and each after its own baseline: the
   * median time and share of the baseline, every share, the highest memory rise, and the waits of
   * all runs together.
   */
  const imports = async (load: Load | 'none') => {
    type Asked = Awaited<ReturnType<BenchServer['requestsWhile']>>;
    const runs: { seconds: number; share: number; memoryRiseMb: number; asked: Asked | undefined }[] = [];
    for (let run = 0; run < IMPORT_RUNS; run++) {
      const baseline = plainInsertRate(pristine, csv);
      const measured = await onFreshServer((server) => {
        let importing = true;
        return server.withMemory(() =>
          Promise.all([
            server.importCsv(csv).finally(() => (importing = false)),
            load === 'none' ? undefined : server.requestsWhile(load, () => importing),
          ]),
        );
      });
      const [seconds, asked] = measured.value;
      runs.push({ seconds, share: rows / seconds / baseline, memoryRiseMb: measured.memoryRiseMb, asked });
    }
    const middle = [...runs].sort((x, y) => x.share - y.share)[Math.floor(IMPORT_RUNS / 2)]!;
    const pooled = (pick: (asked: Asked) => number[]) =>
      summary(runs.flatMap((r) => (r.asked ? pick(r.asked) : [])).sort((x, y) => x - y));
    return {
      seconds: middle.seconds,
      share: middle.share,
      shares: runs.map((r) => r.share),
      memoryRiseMb: Math.max(...runs.map((r) => r.memoryRiseMb)),
      health: pooled((asked) => asked.health),
      dashboard: pooled((asked) => asked.dashboard),
      write: pooled((asked) => asked.write),
      resets: runs.reduce((sum, r) => sum + (r.asked?.resets ?? 0), 0),
      refused: runs.reduce((sum, r) => sum + (r.asked?.refused ?? 0), 0),
    };
  };
  /** The same load with no import, for as long as an import takes: the memory rise its own garbage makes. */
  const requestsAlone = (load: Load) =>
    onFreshServer((server) => {
      const until = performance.now() + REQUESTS_ALONE_MS;
      return server.withMemory(() => server.requestsWhile(load, () => performance.now() < until));
    });
  const beside = async (load: Load) => ({
    ...(await imports(load)),
    requestsAloneMemoryRiseMb: (await requestsAlone(load)).memoryRiseMb,
  });
  return {
    rows,
    existing,
    runs: IMPORT_RUNS,
    steady: await beside('steady'),
    flatOut: await beside('flat-out'),
    alone: await imports('none'),
    requestsAloneSeconds: REQUESTS_ALONE_MS / 1000,
  };
}

/** How long each load is run on its own (about as long as an import takes meanwhile). */
const REQUESTS_ALONE_MS = 6_000;

/** Imports measured each way: the machine's own noise moves one run's share of the baseline by ten points. */
const IMPORT_RUNS = 3;

/** Copies a closed SQLite database (its file and any WAL) over `to`, removing what was there. */
function copyDatabase(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${to}${suffix}`, { force: true });
  fs.copyFileSync(from, to);
  if (fs.existsSync(`${from}-wal`)) fs.copyFileSync(`${from}-wal`, `${to}-wal`);
}

type BenchServer = Awaited<ReturnType<typeof benchServer>>;

/** What benchImportResponsiveness does with a server: import, ask for pages, watch its memory. */
async function benchServer(
  app: ServerProcess,
  cookie: string,
  { token, uln, rows }: { token: string; uln: string; rows: number },
) {
  const dashboard = () => fetch(`${app.base}/apprentices`, { headers: { cookie } });
  await (await dashboard()).text(); // the day's first dashboard, before anything is measured
  // A write meanwhile (an hour of off-the-job training logged for one of the earlier apprentices):
  // SQLite has one writer, so it waits while the import holds the write lock.
  const logHour = () =>
    fetch(`${app.base}/api/v1/apprentices/${uln}/off-the-job-hours`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ date: DateTime.now().toISODate(), hours: 1, activity: 'Bench: reading' }),
    });
  const tried = await logHour();
  if (tried.status !== 201) throw new Error(`bench write answered ${tried.status}: ${await tried.text()}`);
  let resets = 0;
  let refused = 0;
  /** Asks `request` and reads its answer: the milliseconds from `from`, or undefined when the connection was reset. */
  const timed = async (request: () => Promise<Response>, from: number) => {
    try {
      const res = await request();
      await res.text();
      if (!res.ok) refused++;
      return performance.now() - from;
    } catch {
      // A kept-alive connection the server closed as it was reused: counted, not timed.
      resets++;
      return undefined;
    }
  };
  /** Asks `request` again as soon as it is answered while `going()`: the sorted times. */
  const askFlatOut = async (request: () => Promise<Response>, going: () => boolean) => {
    const timings: number[] = [];
    while (going()) {
      const took = await timed(request, performance.now());
      if (took !== undefined) timings.push(took);
    }
    return timings.sort((a, b) => a - b);
  };
  /** Asks `request` `perSecond` times a second while `going()`, each when due: the sorted times from when each was due. */
  const askSteadily = async (request: () => Promise<Response>, perSecond: number, going: () => boolean) => {
    const timings: number[] = [];
    const asked: Promise<void>[] = [];
    const start = performance.now();
    for (let due = start; going(); due += 1000 / perSecond) {
      const early = due - performance.now();
      if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
      if (!going()) break;
      asked.push(timed(request, due).then((took) => void (took !== undefined && timings.push(took))));
    }
    await Promise.all(asked);
    return timings.sort((a, b) => a - b);
  };
  return {
    /** Runs `work`, sampling the server's resident memory meanwhile: its result and the peak's rise in MB. */
    async withMemory<T>(work: () => Promise<T>): Promise<{ value: T; memoryRiseMb: number }> {
      const before = await app.rss();
      let peak = before;
      let done = false;
      const sampling = (async () => {
        while (!done) {
          peak = Math.max(peak, await app.rss());
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      try {
        const value = await work();
        return { value, memoryRiseMb: (peak - before) / 2 ** 20 };
      } finally {
        done = true;
        await sampling;
      }
    },
    /** An import of `csv` through the API: its seconds. */
    async importCsv(csv: string): Promise<number> {
      const started = performance.now();
      const res = await fetch(`${app.base}/api/v1/apprentices/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: csv,
      });
      const body = (await res.json()) as { imported?: number };
      if (res.status !== 201 || body.imported !== rows) throw new Error(`bench import answered ${res.status}`);
      return (performance.now() - started) / 1000;
    },
    /** /health, the provider dashboard and an hour logged, asked for under `load` while `going()`. */
    async requestsWhile(load: Load, going: () => boolean) {
      const ask = (request: () => Promise<Response>, perSecond: number) =>
        load === 'steady' ? askSteadily(request, perSecond, going) : askFlatOut(request, going);
      const [health, pages, writes] = await Promise.all([
        ask(() => fetch(`${app.base}/health`), STEADY_PER_SECOND.health),
        ask(dashboard, STEADY_PER_SECOND.dashboard),
        ask(logHour, STEADY_PER_SECOND.write),
      ]);
      return { health, dashboard: pages, write: writes, resets, refused };
    },
  };
}

/**
 * Rows a second of the baseline: the CSV's rows, parsed beforehand, in one transaction of a plain
 * prepared insert, into a copy of the database in `file` (closed, so the copy is whole), to its commit.
 */
function plainInsertRate(file: string, csv: string): number {
  const copy = `${file}.baseline`;
  copyDatabase(file, copy);
  const baseDb = openDatabase(copy);
  // Timed to its commit, as the import is: the import's worker copies the log into the database
  // after its answer (src/apprentices/import-worker.ts), so the baseline leaves that copy untimed too.
  baseDb.$client.pragma('wal_autocheckpoint = 0');
  const parsed = parseApprenticeCsv(csv).rows;
  const versionId = baseDb.$client.prepare("select id from standard_versions where reference = 'ST0815'").pluck().get();
  const insert = baseDb.$client.prepare(
    `insert into apprentices (uln, given_names, family_name, date_of_birth, start_date, planned_end_date, standard_version_id, provider_ukprn, employer_id, weekly_hours)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const baseStart = performance.now();
  baseDb.$client.transaction(() => {
    for (const { input: r } of parsed)
      insert.run(
        r.uln,
        r.givenNames,
        r.familyName,
        r.dateOfBirth,
        r.startDate,
        r.plannedEndDate,
        versionId,
        r.providerUkprn,
        r.employerId,
        r.weeklyHours,
      );
  })();
  const rate = parsed.length / ((performance.now() - baseStart) / 1000);
  baseDb.$client.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${copy}${suffix}`, { force: true });
  return rate;
}

/** Adds qualifications, weekly hours, items and declarations for every apprentice, with raw prepared statements. */
function addEvidence(db: Db): void {
  const ids = db.$client.prepare('select id, start_date from apprentices').all() as {
    id: number;
    start_date: string;
  }[];
  const qualification = db.$client.prepare(
    "insert into qualifications (apprentice_id, subject, type, level, grade, achieved_on, certificate_reference) values (?, ?, 'gcse', 2, ?, '2015-08-20', 'BENCH')",
  );
  const hours = db.$client.prepare(
    "insert into off_the_job_hours (apprentice_id, date, hours, activity) values (?, ?, 6.5, 'Workshop')",
  );
  const item = db.$client.prepare(
    "insert into gateway_items_provided (apprentice_id, item_id, reference) values (?, ?, 'store')",
  );
  const declaration = db.$client.prepare(
    "insert into gateway_declarations (apprentice_id, employer_confirmed_at, provider_confirmed_at, apprentice_confirmed_at) values (?, '2026-01-01', '2026-01-01', ?)",
  );
  db.$client.transaction(() => {
    for (const [n, { id, start_date }] of ids.entries()) {
      qualification.run(id, 'english', '5');
      qualification.run(id, 'maths', n % 7 === 0 ? '3' : '4');
      let date = DateTime.fromISO(start_date);
      for (let week = 0; week < 30; week++, date = date.plus({ weeks: 1 })) hours.run(id, date.toISODate());
      item.run(id, 'portfolio');
      if (n % 4) item.run(id, 'project-proposal');
      declaration.run(id, n % 3 ? '2026-01-01' : null);
    }
  })();
}

/** The real app over `db`, listening on a free local port. */
export async function serveBenchApp(db: Db, clock?: Clock): Promise<{ base: string; server: Server }> {
  const app = createApp({
    db,
    config: { env: 'test', sessionSecret: 'bench-secret-bench-secret-bench-secret' },
    signInAttempts: 1000,
    ...(clock ? { clock } : {}),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** An administrator for a bench, with the demo password: the user made, to sign in as or issue a token to. */
export async function benchAdmin(db: Db, email: string) {
  const admin = await createUser(
    db,
    { email, name: 'Bench', role: 'admin', password: DEMO_PASSWORD },
    SYSTEM_ACTOR,
    DEFAULT_HASH_COST,
  );
  if (!admin.ok) throw new Error(`The bench administrator ${email} could not be made`);
  return admin.user;
}

/** Signs in through the sign-in form, as a browser would, and returns the session cookie. */
export async function signInCookie(base: string, email: string, password: string): Promise<string> {
  const signInPage = await fetch(`${base}/sign-in`);
  const visitor = signInPage.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await signInPage.text())![1]!;
  const signIn = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: visitor, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, _csrf: csrf }),
  });
  return signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** The provider dashboard (page 1 of all the provider's apprentices) at 10,000 apprentices, over HTTP. */
export async function benchDashboard(
  dir: string,
  count = 10_000,
): Promise<{
  apprentices: number;
  requests: number;
  firstMs: number;
  medianMs: number;
  p90Ms: number;
  nextDayMs: number;
  reevaluated: number;
  healthWorstMs: number;
}> {
  const db = freshDb(dir, `dashboard-${count}`);
  const parsed = parseApprenticeCsv(csvOf(count, 600_000_000));
  if (parsed.problems.length > 0) throw new Error('bench CSV invalid');
  const added = addApprentices(db, parsed.rows, SYSTEM_ACTOR, 'bench');
  if (!added.ok) throw new Error('bench import refused');
  addEvidence(db);
  const email = 'bench-provider@example.org';
  await createUser(
    db,
    { email, name: 'Bench', role: 'provider', ukprn: PROVIDER, password: DEMO_PASSWORD },
    SYSTEM_ACTOR,
    DEFAULT_HASH_COST,
  );

  // The app's clock, moved a day on for the next day's first dashboard.
  let shift = 0;
  const clock: Clock = { now: () => systemClock.now().plus({ days: shift }) };
  const { base, server } = await serveBenchApp(db, clock);
  try {
    const cookie = await signInCookie(base, email, DEMO_PASSWORD);
    const timings: number[] = [];
    for (let i = 0; i < 25; i++) {
      const started = performance.now();
      const res = await fetch(`${base}/apprentices${i % 2 ? '?unmet=maths' : ''}`, { headers: { cookie } });
      const html = await res.text();
      timings.push(performance.now() - started);
      if (res.status !== 200 || !html.includes('apprentices shown'))
        throw new Error(`dashboard answered ${res.status}`);
    }
    const firstMs = timings[0]!;
    timings.sort((a, b) => a - b);
    // The next day: only the apprentices a date has reached are worked out again.
    const evaluatedOn = db.$client.prepare('select count(*) from gateway_status_cache where evaluated_on = ?').pluck();
    /** The first dashboard `days` on: its time, and how many statuses were worked out again for that day. */
    // The next day, signed in again (a session from another day has ended, and the sign-in's own
    // requests are not timed): its first dashboard works out again the statuses a date has
    // reached, while /health is asked every 20 ms and its worst wait kept.
    shift = 1;
    const nextCookie = await signInCookie(base, email, DEMO_PASSWORD);
    const health = healthWaits(base);
    const nextStarted = performance.now();
    const next = await fetch(`${base}/apprentices`, { headers: { cookie: nextCookie }, redirect: 'manual' });
    const nextHtml = await next.text();
    const nextDayMs = performance.now() - nextStarted;
    const healthWorstMs = await health.stop();
    if (next.status !== 200 || !nextHtml.includes('apprentices shown'))
      throw new Error(`the next day's dashboard answered ${next.status}`);
    const tomorrow = clock.now().setZone('Europe/London').toISODate()!;
    return {
      apprentices: count,
      requests: timings.length,
      firstMs,
      medianMs: median(timings),
      p90Ms: timings[Math.floor(timings.length * 0.9)]!,
      nextDayMs,
      reevaluated: Number(evaluatedOn.get(tomorrow)),
      healthWorstMs,
    };
  } finally {
    server.close();
    db.$client.close();
  }
}

export async function runGatewayBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-bench-'));
  try {
    console.log(`Gateway (Node ${process.version}, ${os.cpus().length} cores)`);
    const imported = await benchImport(dir);
    console.log(
      `  CSV import: ${imported.rows} apprentices in ${imported.seconds.toFixed(2)} s = ${Math.round(imported.rowsPerSecond)} rows/s (target at least 20000)`,
    );
    const during = await benchImportResponsiveness(dir);
    const percent = (share: number) => `${(100 * share).toFixed(0)}%`;
    const importRate = (run: typeof during.alone) =>
      `${run.seconds.toFixed(2)} s = ${Math.round(during.rows / run.seconds)} rows/s, ${percent(run.share)} of a plain prepared insert of the same rows in one transaction into the same database (the median of ${during.runs}, each against its own baseline: ${run.shares.map(percent).join(', ')}; target at least 50%)`;
    const waits = (run: typeof during.steady, from: string) =>
      `    meanwhile, ${from}: /health p99 ${run.health.p99.toFixed(1)} ms, max ${run.health.max.toFixed(1)} ms over ${run.health.count} requests; provider dashboard p99 ${run.dashboard.p99.toFixed(1)} ms, max ${run.dashboard.max.toFixed(1)} ms over ${run.dashboard.count} (targets under 100 ms); a write (an hour logged) p99 ${run.write.p99.toFixed(1)} ms, max ${run.write.max.toFixed(1)} ms over ${run.write.count} (it waits for the import's write transaction)${run.resets ? `; ${run.resets} connections reset` : ''}${run.refused ? `; ${run.refused} requests refused` : ''}`;
    const memory = (run: typeof during.steady) =>
      `the app's memory rose at most ${run.memoryRiseMb.toFixed(0)} MB (target under 150), and ${run.requestsAloneMemoryRiseMb.toFixed(0)} MB with the same requests for ${during.requestsAloneSeconds} s and no import`;
    const { health, dashboard, write } = STEADY_PER_SECOND;
    const count = during.rows.toLocaleString('en-GB');
    console.log(
      `  CSV import of ${count} apprentices through the API into ${during.existing.toLocaleString('en-GB')}, in a worker thread, ${during.runs} times, while clients ask for /health ${health} times a second and the provider dashboard ${dashboard}, and log an hour ${write} times a second: ${importRate(during.steady)}; ${memory(during.steady)}`,
    );
    console.log(waits(during.steady, `each wait counted from when the request was due`));
    console.log(
      `  The same import while three clients ask again as soon as they are answered (the server never idle, sharing the two cores with the import): ${importRate(during.flatOut)}; ${memory(during.flatOut)}`,
    );
    console.log(waits(during.flatOut, 'from when each was sent'));
    console.log(
      `  The same import on its own: ${importRate(during.alone)}; the app's memory rose at most ${during.alone.memoryRiseMb.toFixed(0)} MB (target under 150)`,
    );
    const one = benchAddOne(dir);
    console.log(
      `  Adding one apprentice: median ${one.small.toFixed(2)} ms at 300 apprentices, ${one.large.toFixed(2)} ms at 100,000 (ratio ${one.ratio.toFixed(2)}; target about 1)`,
    );
    const upkeep = benchStatusUpkeep(dir);
    console.log(
      `  A write's status upkeep (working out again the gateway statuses it cleared): one status, median ${upkeep.small.one.toFixed(2)} ms at 300 apprentices, ${upkeep.large.one.toFixed(2)} ms at 100,000 (ratio ${(upkeep.large.one / upkeep.small.one).toFixed(2)}); ${upkeep.atOnce} at once (the most a request does itself), ${upkeep.small.many.toFixed(1)} ms and ${upkeep.large.many.toFixed(1)} ms (target under 100 ms)`,
    );
    // The same measurements at 10,000 and 100,000 apprentices: a figure that grows with the page stays put; one that grows with everyone grows tenfold.
    const small = await benchDashboard(dir, 10_000);
    const large = await benchDashboard(dir, 100_000);
    const growth = (a: number, b: number) => `×${(b / a).toFixed(1)}`;
    for (const dashboard of [small, large]) {
      console.log(
        `  Provider dashboard at ${dashboard.apprentices} apprentices: median ${dashboard.medianMs.toFixed(1)} ms, p90 ${dashboard.p90Ms.toFixed(1)} ms over ${dashboard.requests} requests (target median under 150 ms)`,
      );
      console.log(
        `    first request ever (evaluates all ${dashboard.apprentices} and fills the status cache): ${dashboard.firstMs.toFixed(0)} ms`,
      );
      console.log(
        `    first request of the next day: ${dashboard.nextDayMs.toFixed(1)} ms, working out again only the ${dashboard.reevaluated} apprentices a date has reached (target under 200 ms); meanwhile /health waited at most ${dashboard.healthWorstMs.toFixed(1)} ms (target under 100 ms)`,
      );
    }
    console.log(
      `  From 10,000 to 100,000 apprentices: dashboard median ${growth(small.medianMs, large.medianMs)}, next day's first dashboard ${growth(small.nextDayMs, large.nextDayMs)}, first ever ${growth(small.firstMs, large.firstMs)} (all apprentices: O(all))`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

import { runInWorker } from '../ops/worker.js';
import { turns } from '../ops/turns.js';
import { gathered } from '../http/csv-body.js';
import { BusyError } from '../http/errors.js';
import { LIMITS } from '../http/limits.js';
import { writeGate } from '../ops/write-gate.js';
import type { ApprenticeInput } from './schema.js';
import type { Db } from '../db/connection.js';
import type { CurrentUser } from '../users/store.js';
import { parseApprenticeArray } from './import.js';
import { prepareCsvImport, prepareImport, type importForUser } from './service.js';

/**
 * An import off the request thread: reading the file, validating every row, checking it against
 * the database and writing it all take seconds at 100,000 rows, and better-sqlite3 is synchronous,
 * so on the request thread every other request would wait. A worker thread does the whole job on
 * its own connection (WAL lets the app's readers go on meanwhile); the request awaits its answer.
 * The worker takes the write lock only when the app's write gate lets it, for the writes alone.
 * An in-memory database (the tests' own) has no file to share, so there it runs in place.
 */
export interface ImportJob {
  user: CurrentUser;
  source: string;
  defaults: Partial<Record<keyof ApprenticeInput, string>>;
  /** A CSV file's bytes as uploaded (handed to the worker, not copied), or an API's JSON array. */
  input: { kind: 'csv'; bytes: Uint8Array } | { kind: 'json'; value: unknown };
  /** Today (London): the new apprentices' gateway status is worked out for it with them. */
  on: string;
}

export type ImportOutcome = ReturnType<typeof importForUser>;

/**
 * Everything but the writes: a CSV file read, checked and staged as it is read
 * (prepareCsvImport), a JSON array (already in memory) parsed and checked. A file with problems
 * is refused here, before any wait for the write lock.
 */
function prepare(db: Db, job: ImportJob): { refused: ImportOutcome | null; write: (source: string) => ImportOutcome } {
  if (job.input.kind === 'csv') return prepareCsvImport(db, job.user, job.input.bytes, job.defaults, job.on);
  return { refused: null, ...prepareImport(db, job.user, parseApprenticeArray(job.input.value, job.defaults), job.on) };
}

/** The import itself, the same on either thread; `mayWrite` resolves when it may take the write lock. */
export async function runImport(db: Db, job: ImportJob, mayWrite: () => Promise<void>): Promise<ImportOutcome> {
  const prepared = prepare(db, job);
  if (prepared.refused) return prepared.refused;
  await mayWrite();
  return prepared.write(job.source);
}

/** The import in place, start to end with nothing in between (an in-memory database's, and the bench's). */
export function importNow(db: Db, job: ImportJob): ImportOutcome {
  const prepared = prepare(db, job);
  return prepared.refused ?? prepared.write(job.source);
}

/** What the worker is given: the job, with its CSV file still to come when it is a request's body. */
export type WorkerJob = Omit<ImportJob, 'input'> & {
  input: ImportJob['input'] | { kind: 'csv-to-come'; size: number | undefined };
  databasePath: string;
};

const WORKER = new URL('./import-worker.js', import.meta.url);

/** The database's file, when it has one a worker can open (an in-memory database has none). */
function fileOf(db: Db): string | undefined {
  const client = db.$client;
  return client.memory || !client.name ? undefined : client.name;
}

/**
 * Turns at the import workers (LIMITS.importsAtOnce at once, LIMITS.importsWaiting waiting; more
 * are refused with 503). A worker importing 100,000 rows holds about 100 MB while it runs.
 */
const importTurns = turns(
  LIMITS.importsAtOnce,
  LIMITS.importsWaiting,
  () =>
    new BusyError(
      `${LIMITS.importsAtOnce + LIMITS.importsWaiting} imports are running or waiting, so this one was not started and nothing was imported. Try again in a minute.`,
      60,
    ),
);

/** How many imports run in workers now, and how many wait for a turn. */
export const importLoad = () => importTurns.load;

/** Runs the import in a worker thread, in its turn, when the database is a file; in place otherwise. */
export function importApprentices(db: Db, job: ImportJob): Promise<ImportOutcome> {
  const databasePath = fileOf(db);
  if (!databasePath) return Promise.resolve(importNow(db, job));
  return importTurns.take(() =>
    runInWorker<ImportOutcome>(
      WORKER,
      { ...job, databasePath } satisfies WorkerJob,
      writeGate(db),
      job.input.kind === 'csv' ? ownMemory(job.input.bytes) : [],
    ),
  );
}

/**
 * Imports a CSV file that is still arriving (an API request's body): the worker starts with its
 * first bytes and is handed each chunk as it comes, so this thread never holds the file, and the
 * worker's start overlaps the rest of the upload. `size` is the file's length when the request gives it. A failure of
 * the body (too large, the client gone) stops the worker and is the answer. In place (an
 * in-memory database) the file is gathered first.
 */
export async function importArrivingCsv(
  db: Db,
  job: Omit<ImportJob, 'input'>,
  body: AsyncIterable<Uint8Array>,
  size: number | undefined,
): Promise<ImportOutcome> {
  const databasePath = fileOf(db);
  if (!databasePath) return importNow(db, { ...job, input: { kind: 'csv', bytes: await gathered(body) } });
  return importTurns.take(() => importArriving(db, databasePath, job, body, size));
}

/**
 * importArrivingCsv in its turn: no byte of the body is read before it (the client waits), and a
 * body that stops arriving ends the turn (bodyUpTo's idle limit).
 */
async function importArriving(
  db: Db,
  databasePath: string,
  job: Omit<ImportJob, 'input'>,
  body: AsyncIterable<Uint8Array>,
  size: number | undefined,
): Promise<ImportOutcome> {
  // The worker starts once the first bytes have come: a body refused at once (too large, its
  // encoding not taken) or never sent costs no thread.
  const chunks = body[Symbol.asyncIterator]();
  const first = await chunks.next();
  const all = (async function* () {
    if (first.done) return;
    yield first.value;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  })();
  return runInWorker<ImportOutcome>(
    WORKER,
    { ...job, input: { kind: 'csv-to-come', size }, databasePath } satisfies WorkerJob,
    writeGate(db),
    [],
    all,
  );
}

/**
 * The memory of a file's bytes to hand over to the worker rather than copy, when the bytes are
 * all of it (an upload's buffer): this thread then no longer holds them. A slice of a shared pool
 * (a small file) is copied instead.
 */
function ownMemory(bytes: Uint8Array): ArrayBuffer[] {
  const memory = bytes.buffer;
  return memory instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === memory.byteLength
    ? [memory]
    : [];
}

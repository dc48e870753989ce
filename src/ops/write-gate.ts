import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/connection.js';

/**
 * SQLite has one writer at a time, and better-sqlite3 waits for the write lock synchronously (up
 * to busy_timeout): a write on the request thread while a worker thread holds the lock would
 * stop every request, reads and /health included, until the worker commits. So the worker does
 * not take the lock on its own. It asks this gate, which lets it write once the requests that may
 * write have finished, and makes later ones wait, asynchronously, until it has committed: a
 * write waits for the worker's write (it must), and nobody else waits at all.
 *
 * Requests that may write are the ones with a method other than GET or HEAD. One that hands its
 * writes to a worker steps out first (handWritesToWorker), or the worker would wait for it. A page
 * that stores gateway statuses it had to work out waits too (gateway/service.ts). A GET that happens
 * to write (a token's last-used date, at most once an hour) is not held back; at worst it waits
 * as before.
 */
export class WriteGate {
  #writers = 0;
  #exclusive: Promise<void> | null = null;
  #whenNoWriters: (() => void)[] = [];

  /** Waits while a worker writes, then counts a writing request in; the function returned counts it out. */
  async enter(): Promise<() => void> {
    await this.whenOpen();
    this.#writers++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (--this.#writers === 0) for (const resume of this.#whenNoWriters.splice(0)) resume();
    };
  }

  /** Runs `write` once no writing request is in flight, holding new ones back until it settles. */
  async exclusively<T>(write: () => Promise<T>): Promise<T> {
    await this.whenOpen();
    let open!: () => void;
    this.#exclusive = new Promise<void>((resolve) => (open = resolve));
    try {
      if (this.#writers > 0) await new Promise<void>((resolve) => this.#whenNoWriters.push(resolve));
      return await write();
    } finally {
      this.#exclusive = null;
      open();
    }
  }

  /** Resolves once no worker's write is waiting or under way (at once when none is). */
  async whenOpen(): Promise<void> {
    while (this.#exclusive) await this.#exclusive;
  }

  /** Whether a worker's write is waiting or under way (new writing requests wait). */
  get held(): boolean {
    return this.#exclusive !== null;
  }
}

const gates = new WeakMap<Db, WriteGate>();

/** The gate of this database connection's process: one per connection the app holds. */
export function writeGate(db: Db): WriteGate {
  let gate = gates.get(db);
  if (!gate) gates.set(db, (gate = new WriteGate()));
  return gate;
}

const LEAVE = Symbol('leave the write gate');

/** Middleware: a request that may write passes the gate first, and is counted until its response ends. */
export function throughWriteGate(db: Db) {
  const gate = writeGate(db);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    void gate.enter().then((leave) => {
      (res.locals as Record<symbol, unknown>)[LEAVE] = leave;
      res.once('finish', leave);
      res.once('close', leave);
      next();
    });
  };
}

/**
 * For a request that hands its writes to a worker thread (an import): counts the request out of
 * the gate before it waits for the worker, which asks the gate itself and would otherwise wait
 * for the very request that waits for it.
 */
export function handWritesToWorker(res: Response): void {
  ((res.locals as Record<symbol, unknown>)[LEAVE] as (() => void) | undefined)?.();
}

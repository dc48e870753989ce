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
 * writes to a worker is not counted (see throughWriteGate), or the worker would wait for it. A page
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

  /**
   * Runs `write` once no writing request is in flight, holding new ones back until it settles.
   * It waits for those in flight at most `patience` ms: a client sending its form slowly must not
   * hold the worker (and everyone queued behind it) for minutes. One still in flight after that
   * waits for the lock as before (SQLite's busy timeout).
   */
  async exclusively<T>(write: () => Promise<T>, patience = 10_000): Promise<T> {
    await this.whenOpen();
    let open!: () => void;
    this.#exclusive = new Promise<void>((resolve) => (open = resolve));
    try {
      if (this.#writers > 0)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, patience);
          this.#whenNoWriters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
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

  /** Writing requests counted in and not yet out. */
  get writers(): number {
    return this.#writers;
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

/**
 * Middleware: a request that may write passes the gate first, and is counted until its response
 * ends. A request whose client went away while it waited is counted out and goes no further (its
 * 'close' came before it was counted in). `toWorker` names the paths whose writes a worker makes:
 * they are not counted at all, so that a large upload still arriving holds nobody back.
 * `afterWrite` runs once each counted request has answered (or its client went away), before it
 * is counted out: a worker's write waits for what it does.
 */
export function throughWriteGate(db: Db, toWorker: readonly string[] = [], afterWrite: () => void = () => {}) {
  const gate = writeGate(db);
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD' || toWorker.includes(req.path)) return next();
    let gone = false;
    let counted: (() => void) | null = null;
    res.once('close', () => {
      gone = true;
      counted?.();
    });
    void gate.enter().then((leave) => {
      if (gone || res.writableEnded || res.destroyed) return leave();
      let done = false;
      counted = () => {
        if (done) return;
        done = true;
        try {
          afterWrite();
        } finally {
          leave();
        }
      };
      res.once('finish', counted);
      next();
    });
  };
}

import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/*
 * One autocannon run measured in its steady state. A Node server whose event loop is saturated
 * takes in new connections slowly (about one per turn of the loop), so when 50 connections
 * open at once against a page that costs 10 ms, the last ones wait seconds for their first
 * answer. A fixed warm-up would leave that ramp inside the measurement. Instead one run keeps
 * its connections: it warms up for at least `warmupSeconds` and until every connection has
 * been answered once (`maxWarmupSeconds` at most), then measures `seconds`, then (for writes)
 * lets what is in flight finish. Only answers inside the window are measured.
 */

export interface Sample {
  at: number;
  latency: number;
  status: number;
}

export interface SteadyRunOptions {
  url: string;
  connections: number;
  headers?: Record<string, string>;
  requests: autocannon.Request[];
  warmupSeconds: number;
  maxWarmupSeconds: number;
  seconds: number;
  /** Called when the window ends (e.g. to stop handing out writes). */
  onWindowEnd?: () => void;
  /** After the window: whether everything worth waiting for has been answered (default: at once). */
  drained?: () => boolean;
  /** Called for every connection error or timeout (a request that will never be answered). */
  onError?: () => void;
}

export interface SteadyRun {
  /** Answers received inside the measured window. */
  window: Sample[];
  windowSeconds: number;
  /** Connection errors and timeouts inside the window. */
  errors: number;
  /** How long the warm-up took, and how many connections had been answered when measuring began. */
  warmupSeconds: number;
  connectionsAnswered: number;
  /** Whether the run ended before its window did (the `drained` check said so early: e.g. nothing left to send). */
  endedEarly: boolean;
}

export function steadyRun(options: SteadyRunOptions): Promise<SteadyRun> {
  const { connections, warmupSeconds, maxWarmupSeconds, seconds } = options;
  const started = performance.now();
  const answered = new Set<object>();
  const window: Sample[] = [];
  let errors = 0;
  let measuringFrom: number | undefined;
  let measuringUntil: number | undefined;
  let connectionsAnswered = 0;
  let windowEnded = false;
  let endedEarly = false;
  let stopping = false;

  return new Promise((resolve, reject) => {
    const drainLimit = 60_000;
    const instance = autocannon(
      // Long enough for the longest warm-up, the window and a drain; the run is stopped from here (and
      // stops within a tenth of a second: autocannon acts on stop() at its next sample).
      {
        url: options.url,
        connections,
        headers: options.headers,
        requests: options.requests,
        duration: maxWarmupSeconds + seconds + drainLimit / 1000,
        timeout: 30,
        sampleInt: 100,
      },
      (error: unknown) => {
        clearInterval(ticker);
        if (error)
          return reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`));
        const end = measuringUntil ?? performance.now();
        resolve({
          window,
          windowSeconds: measuringFrom === undefined ? 0 : (end - measuringFrom) / 1000,
          errors,
          warmupSeconds: ((measuringFrom ?? end) - started) / 1000,
          connectionsAnswered,
          endedEarly,
        });
      },
    );
    const stop = () => {
      if (stopping) return;
      stopping = true;
      instance.stop();
    };
    const startMeasuring = (now: number) => {
      measuringFrom = now;
      connectionsAnswered = answered.size;
    };
    const endWindow = (now: number, early: boolean) => {
      windowEnded = true;
      endedEarly = early;
      measuringUntil = now;
      options.onWindowEnd?.();
    };
    const check = (now: number) => {
      if (measuringFrom === undefined) {
        const elapsed = (now - started) / 1000;
        if ((elapsed >= warmupSeconds && answered.size >= connections) || elapsed >= maxWarmupSeconds)
          startMeasuring(now);
      } else if (!windowEnded && now - measuringFrom >= seconds * 1000) {
        endWindow(now, false);
      }
      if (windowEnded && (!options.drained || options.drained() || now - measuringUntil! > drainLimit)) stop();
    };
    instance.on('response', (client, status, _bytes, latency) => {
      const now = performance.now();
      answered.add(client);
      if (measuringFrom !== undefined && !windowEnded) window.push({ at: now, latency, status });
      check(now);
    });
    instance.on('reqError', () => {
      if (measuringFrom !== undefined && !windowEnded) errors++;
      options.onError?.();
    });
    // Time passes between answers too (and a run with nothing left to send must still end).
    const ticker = setInterval(() => {
      const now = performance.now();
      if (measuringFrom !== undefined && !windowEnded && options.drained?.()) endWindow(now, true);
      check(now);
    }, 100);
  });
}

/** Requests a second over the window, p50 and p99 latency (exact, from every answer), and answers that are not `expected`. */
export function summarise(
  run: SteadyRun,
  expected: (status: number) => boolean,
): { perSecond: number; p50: number; p99: number; unexpected: number } {
  const latencies = run.window.map((s) => s.latency).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN;
  return {
    perSecond: run.windowSeconds > 0 ? run.window.length / run.windowSeconds : 0,
    p50: at(0.5),
    p99: at(0.99),
    unexpected: run.window.filter((s) => !expected(s.status)).length,
  };
}

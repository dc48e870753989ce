import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  base: string;
  pid: number;
  /** The server process's resident memory now, in bytes. */
  rss(): Promise<number>;
  /** Closes the server and its database; resolves with the number of unexpected errors (500s) it logged. */
  stop(): Promise<{ errors: number }>;
}

const ENTRY = fileURLToPath(new URL('./load-server.ts', import.meta.url));
/** Runs ENTRY through tsx without passing tsx on to the server's worker threads (see scripts/run-ts.mjs). */
const RUN_TS = fileURLToPath(new URL('../scripts/run-ts.mjs', import.meta.url));

let built = false;

/** Compiles src/ to dist/ once per bench run (`npm run build`), so the app under load is what `npm start` runs. */
function buildOnce(): void {
  if (built) return;
  const run = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/run.mjs', import.meta.url)), '--build'], {
    stdio: 'inherit',
  });
  if (run.status !== 0) throw new Error('npm run build failed');
  built = true;
}

/**
 * Starts the real app (`app`, compiled to dist/ first) or the bare baseline (`bare`) over
 * `databaseFile` in a child process (NODE_ENV=production) and waits until it listens.
 */
export async function startServer(kind: 'app' | 'bare', databaseFile: string): Promise<ServerProcess> {
  if (kind === 'app') buildOnce();
  const child: ChildProcess = fork(RUN_TS, [ENTRY, kind, databaseFile], {
    execArgv: [],
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the ${kind} server exited (${code}) before listening`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (message: { port?: number }) => {
      child.off('exit', onExit);
      if (typeof message.port === 'number') resolve(message.port);
      else reject(new Error(`the ${kind} server said ${JSON.stringify(message)}`));
    });
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const rssWaiting: ((rss: number) => void)[] = [];
  child.on('message', (message: { rss?: number }) => {
    if (typeof message.rss === 'number') rssWaiting.shift()?.(message.rss);
  });
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    rss: () =>
      new Promise((resolve) => {
        rssWaiting.push(resolve);
        child.send({ memory: true });
      }),
    stop: () =>
      new Promise((resolve, reject) => {
        if (exited) return reject(new Error(`the ${kind} server had already exited`));
        let report: { errors: number } | undefined;
        child.on('message', (message: { stopped?: boolean; errors?: number }) => {
          if (message.stopped) report = { errors: message.errors ?? 0 };
        });
        child.once('exit', (code) =>
          report ? resolve(report) : reject(new Error(`the ${kind} server exited (${code}) without reporting`)),
        );
        child.send({ stop: true });
      }),
  };
}

/**
 * Runs `work` (a request to the server) while sampling the server's memory every 100 ms: what it
 * returned, how long it took, and how far the server's memory rose above where it was before.
 */
export async function whileSampling<T>(
  server: ServerProcess,
  work: () => Promise<T>,
): Promise<{ value: T; seconds: number; riseMb: number }> {
  const before = await server.rss();
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await server.rss());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const started = performance.now();
  try {
    const value = await work();
    return {
      value,
      seconds: (performance.now() - started) / 1000,
      riseMb: (Math.max(peak, await server.rss()) - before) / 2 ** 20,
    };
  } finally {
    sampling = false;
    await sampler;
  }
}

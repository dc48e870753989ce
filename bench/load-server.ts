import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A server for the load bench, in a process of its own so that autocannon's client work does
 * not share its event loop. Started by startServer() (bench/load-process.ts) as
 *   node scripts/run-ts.mjs bench/load-server.ts <app|bare> <database file>
 * with NODE_ENV=production, running the compiled app from dist/ as it would be deployed
 * (Express caches compiled views; workers run JavaScript, not TypeScript through tsx). It
 * tells its parent the port it listens on, counts the unexpected errors the app logs (every
 * 500), answers { memory: true } with its resident memory, and on { stop: true } closes the
 * server and the database and reports that count.
 */

const LOAD_SESSION_SECRET = 'load-bench-secret-load-bench-secret-0123456789';

const [kind, file] = process.argv.slice(2);
let errors = 0;
const log = (error: unknown) => {
  errors++;
  console.error(error);
};

async function start(): Promise<{ server: Server; close: () => void }> {
  if (!file || (kind !== 'app' && kind !== 'bare')) throw new Error('usage: load-server.ts <app|bare> <database file>');
  if (kind === 'bare') {
    const { createBareApp, openBareDatabase } = await import('./bare-app.js');
    const db = openBareDatabase(file);
    return { server: createBareApp(db).listen(0, '127.0.0.1'), close: () => db.close() };
  }
  // The compiled app in dist/, as `npm start` runs it (built by startServer), so worker threads run
  // compiled code too; the TypeScript sources under tsx would add its compiler to each of them.
  const compiled = (module: string): Promise<unknown> => import(new URL(`../dist/${module}`, import.meta.url).href);
  const { createApp } = (await compiled('app.js')) as typeof import('../src/app.js');
  const { openDatabase } = (await compiled('db/connection.js')) as typeof import('../src/db/connection.js');
  const { createLogger } = (await compiled('http/request-log.js')) as typeof import('../src/http/request-log.js');
  const { pino } = await import('pino');
  const db = openDatabase(file);
  // Production settings (secure cookies are only a flag here: the bench reads the headers itself),
  // with the request log written as in production, to /dev/null rather than a terminal.
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: false }));
  const app = createApp({
    db,
    config: { env: 'production', sessionSecret: LOAD_SESSION_SECRET },
    log,
    logger,
    signInAttempts: 100_000,
  });
  // As src/server.ts does: a database whose gateway statuses are missing has them worked out in a worker.
  const { warmStatusCache } = (await compiled('gateway/warm-up.js')) as typeof import('../src/gateway/warm-up.js');
  const { todayInLondon } = (await compiled('dates.js')) as typeof import('../src/dates.js');
  const { systemClock } = (await compiled('clock.js')) as typeof import('../src/clock.js');
  warmStatusCache(db, todayInLondon(systemClock.now()))?.catch(log);
  return { server: app.listen(0, '127.0.0.1'), close: () => db.$client.close() };
}

if (process.send) {
  const send = process.send.bind(process);
  const { server, close } = await start();
  server.once('listening', () => send({ port: (server.address() as AddressInfo).port }));
  process.on('message', (message: { stop?: boolean; memory?: boolean }) => {
    if (message.memory) send({ rss: process.memoryUsage().rss });
    if (!message.stop) return;
    server.close(() => {
      close();
      send({ stopped: true, errors }, () => process.exit(0));
    });
    server.closeAllConnections();
  });
  // The parent went away without stopping us.
  process.on('disconnect', () => process.exit(0));
}

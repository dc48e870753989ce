import { expireHolds } from './bookings/store.js';
import { createApp } from './app.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/connection.js';
import { DEMO_PASSWORD, DEMO_USERS, loadDemoData } from './demo/index.js';
import { loadCatalogue } from './catalogue/load.js';
import { ROLE_LABELS } from './auth/roles.js';
import { deliverOutbox, smtpTransport } from './notifications/mailer.js';
import { createLogger } from './http/request-log.js';
import { holdLock } from './ops/lock.js';
import { warmStatusCache } from './gateway/warm-up.js';
import { reconcileScopeTally } from './gateway/store.js';
import { todayInLondon } from './dates.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  config.warnings.forEach((w) => console.warn(`Warning: ${w}`));
  const clock = systemClock;
  // The app holds the database's lock while it runs, so a restore cannot replace it underneath.
  const release = config.databasePath === ':memory:' ? () => undefined : holdLock(config.databasePath, 'app');
  process.once('exit', release);
  const db = openDatabase(config.databasePath);
  loadCatalogue(db);
  if (config.demoData) await loadDemoData(db, clock.now(), config.passwordHashCost);

  const logger = createLogger(config.logLevel);
  const app = createApp({
    db,
    config,
    clock,
    logger,
    log: (error) => logger.error({ err: error }, 'unexpected error'),
  });
  const server = app.listen(config.port, () => {
    const url = `http://localhost:${config.port}`;
    console.log(`EPA platform is running at ${url} (database: ${config.databasePath})`);
    if (config.demoData) {
      console.log(`\nSign in at ${url}/sign-in with any demo user; the password for all of them is: ${DEMO_PASSWORD}`);
      for (const user of DEMO_USERS) console.log(`  ${ROLE_LABELS[user.role].padEnd(20)} ${user.email}`);
      console.log('\nDemo users are for trying the app only: start with DEMO_DATA=off for real use.');
    } else {
      console.log(
        'Demo data is off. Create an administrator with: npm run admin -- create-user --email E --role admin --name N',
      );
    }
  });

  // The dashboards' counts trust the tally the cache's triggers keep: put it right first if anything bypassed them.
  if (reconcileScopeTally(db))
    logger.warn('The gateway scope tally differed from the status cache and was counted again from it');
  // After an install, a migration or a restore, the gateway statuses are worked out in a worker, not by the first dashboard.
  const started = Date.now();
  void warmStatusCache(db, todayInLondon(clock.now()))
    ?.then((n) =>
      console.log(
        `Gateway statuses worked out for ${n} apprentices in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
      ),
    )
    .catch((error: unknown) => logger.error({ err: error }, 'working out the gateway statuses failed'));

  // Notifications go out through SMTP when it is configured; otherwise they wait in the outbox page.
  const mailer = config.smtpUrl ? smtpTransport(config.smtpUrl) : null;
  const sending = mailer
    ? setInterval(
        () =>
          void deliverOutbox(db, mailer, config.mailFrom, clock).catch((error: unknown) =>
            logger.error({ err: error }, 'sending notifications failed'),
          ),
        15_000,
      )
    : null;
  if (mailer) console.log(`Notifications are sent through ${new URL(config.smtpUrl!).host}.`);

  // Holds not confirmed in time are released every minute (and by any write or list that reaches them first).
  const expiring = setInterval(() => {
    try {
      expireHolds(db, clock.now());
    } catch (error) {
      logger.error({ err: error }, 'expiring holds failed');
    }
  }, 60_000);

  const shutdown = () => {
    clearInterval(expiring);
    if (sending) clearInterval(sending);
    server.close(() => {
      db.$client.close();
      release();
      process.exit(0);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

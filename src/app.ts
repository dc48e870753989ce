import { notificationPages } from './notifications/pages.js';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import { create as createHandlebars } from 'express-handlebars';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { apiRoutes } from './api/routes.js';
import { AREA_ROLES } from './auth/roles.js';
import { apprenticeRoutes } from './apprentices/pages.js';
import { gatewayRoutes } from './gateway/pages.js';
import { bookingRoutes } from './bookings/pages.js';
import { assessorRoutes } from './bookings/assessor-pages.js';
import { DEFAULT_HOLD_HOURS } from './bookings/store.js';
import { auditRoutes } from './audit/pages.js';
import { DEFAULT_HASH_COST } from './auth/passwords.js';
import { authRoutes } from './auth/pages.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { schemaState, type Db } from './db/connection.js';
import { csrfProtection } from './auth/csrf.js';
import { notFound, pageErrorHandler } from './http/errors.js';
import { dropPrototypeKeys, withoutPrototypeKeys } from './http/forms.js';
import { LIMITS } from './http/limits.js';
import { requestLogger } from './http/request-log.js';
import { loadSession } from './auth/session.js';
import { acceptUpload } from './http/uploads.js';
import { refuseUnsavableText } from './http/text-guard.js';
import { paths, routes } from './paths.js';
import { planAdminRoutes } from './plans/pages.js';
import { planBuilderRoutes } from './plans/builder/pages.js';
import { acceptEvidence, evidencePages } from './evidence/pages.js';
import { requestPages } from './adjustments/pages.js';
import { casePages } from './cases/pages.js';
import { EvidenceStorage } from './evidence/storage.js';
import { standardsRoutes } from './standards/pages.js';
import { userAdminRoutes } from './users/pages.js';
import { accountRoutes } from './users/account-pages.js';
import { viewHelpers } from './views/helpers.js';
import { autoScheduleRoutes } from './scheduler/pages.js';
import { gradingRoutes } from './grading/pages.js';
import { claimsRoutes } from './outcomes/claims-pages.js';
import { ofqualRoutes } from './outcomes/ofqual-pages.js';
import { certificatePages } from './certificates/pages.js';
import { serviceClient } from './certificates/client.js';
import { consistencyRoutes } from './outcomes/consistency-pages.js';
import { reportRoutes } from './outcomes/report-pages.js';
import { resultPdfRoutes } from './outcomes/pdf-pages.js';
import { privacyRoutes } from './privacy/pages.js';
import { govukStylesheet } from './http/stylesheets.js';
import { homeRoutes } from './home/pages.js';
import { searchRoutes } from './search/pages.js';
import { throughWriteGate } from './ops/write-gate.js';
import { noteClearedStatuses, restoreClearedStatuses } from './gateway/status-upkeep.js';
import { todayInLondon } from './dates.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VIEWS = path.join(ROOT, 'views');

export interface AppDependencies {
  db: Db;
  config: Pick<Config, 'env' | 'sessionSecret'> &
    Partial<
      Pick<Config, 'holdHours' | 'passwordHashCost' | 'apprenticeshipService' | 'baseUrl' | 'trustProxy' | 'filesPath'>
    >;
  /** Where unexpected errors are reported (never to the user). */
  log?: (error: unknown) => void;
  /** Where a line per request goes (src/http/request-log.ts); none when absent. */
  logger?: Logger;
  /** Where the app reads the time (tests set it). */
  clock?: Clock;
  /** Failed sign-ins per address per 15 minutes (tests raise it). */
  signInAttempts?: number;
  /** Failed sign-ins per account per 15 minutes, from any address. */
  accountSignInAttempts?: number;
  /** How long an administrator's home waits for a figure worked out in a worker, such as the results ready to claim (src/home/service.ts). */
  figureWaitMs?: number;
  /** How long an import's CSV body may stop arriving before it is refused (LIMITS.uploadIdleMs; tests shorten it). */
  uploadIdleMs?: number;
}

function setUpViews(app: Express): void {
  const hbs = createHandlebars({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(VIEWS, 'layouts'),
    partialsDir: path.join(VIEWS, 'partials'),
    helpers: viewHelpers,
    // A partial sees only what it is passed, never the page's variables of the same name; and its
    // lines are not indented to where it is called, which would put spaces into a textarea's value.
    compilerOptions: { explicitPartialContext: true, preventIndent: true },
  });
  // The engine answers through the callback; the promise it also returns is not needed.
  app.engine('.hbs', (file, options, callback) => void hbs.engine(file, options, callback));
  app.set('view engine', '.hbs');
  app.set('views', VIEWS);
}

function setUpStaticResources(app: Express): void {
  const options = { index: false, maxAge: '1h' };
  const govuk = path.join(ROOT, 'node_modules', 'govuk-frontend', 'dist', 'govuk');
  app.get('/assets/govuk-frontend.min.css', govukStylesheet(path.join(govuk, 'govuk-frontend.min.css')));
  app.use('/assets', express.static(govuk, options));
  // The style sheet's images (url(/assets/images/…)) are in the package's assets folder; its fonts are not served.
  app.use('/assets/images', express.static(path.join(govuk, 'assets', 'images'), options));
  app.use('/public', express.static(path.join(ROOT, 'public'), options));
}

/** Pages show personal data and one-time secrets: never keep them in a browser's or proxy's cache. */
const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/** The composition root: the whole app from its parts, so tests build exactly what runs. */
export function createApp({
  db,
  config,
  log = console.error,
  logger,
  clock = systemClock,
  signInAttempts = 10,
  accountSignInAttempts = 5,
  figureWaitMs,
  uploadIdleMs,
}: AppDependencies): Express {
  const holdHours = config.holdHours ?? DEFAULT_HOLD_HOURS;
  const hashCost = config.passwordHashCost ?? DEFAULT_HASH_COST;
  const app = express();
  const secure = config.env === 'production';
  app.disable('x-powered-by');
  // Nested query fields (date[day]) for GET forms such as the booking search.
  app.set('query parser', 'extended');
  app.set('query parser', withoutPrototypeKeys(app.get('query parser fn') as (query: string) => unknown));
  // X-Forwarded-For is believed only from the proxies TRUST_PROXY names; without it, the header is ignored.
  app.set('trust proxy', config.trustProxy ?? false);
  const baseUrl = config.baseUrl ?? 'http://localhost:3000';
  // The evidence store: FILES_PATH, or beside the database file (a folder of this process's own for an in-memory one).
  const evidence = new EvidenceStorage(
    config.filesPath ??
      (db.$client.memory
        ? path.join(os.tmpdir(), `epa-files-${process.pid}`)
        : path.join(path.dirname(db.$client.name), 'files')),
  );
  if (logger) app.use(requestLogger(logger));
  app.use(helmet());
  setUpViews(app);
  setUpStaticResources(app);

  // For load balancers and monitors: no sign-in, no personal data; 503 when the database cannot
  // answer, or is not the one this code expects (its schema, or the catalogue it loads at start, gone).
  app.get(paths.health, (_req, res) => {
    const unavailable = (problem: string) =>
      res.status(503).set('Cache-Control', 'no-store').json({ status: 'unavailable', problem });
    try {
      const schema = schemaState(db.$client);
      if (schema.state !== 'current') return unavailable('The database schema is not this version’s');
      if (!db.$client.prepare('select 1 from standard_versions limit 1').get())
        return unavailable('The database holds no standards: it is empty or was replaced');
      res.set('Cache-Control', 'no-store').json({ status: 'ok' });
    } catch (error) {
      log(error);
      unavailable('The database cannot answer');
    }
  });

  // A request that may write waits (without holding up anyone else) while an import's worker writes;
  // once it has answered, the gateway statuses its write cleared are worked out again (status-upkeep.ts).
  noteClearedStatuses(db);
  const restoreStatuses = () => {
    try {
      restoreClearedStatuses(db, todayInLondon(clock.now()), log);
    } catch (error) {
      // Left missing, they are worked out by the next page that needs them.
      log(error);
    }
  };
  app.use(
    throughWriteGate(
      db,
      [paths.importApprentices, `${paths.api.root}${routes.api.apprentices.import}`],
      restoreStatuses,
    ),
  );
  app.use(paths.api.root, apiRoutes(db, log, { holdHours, clock, baseUrl, evidence, uploadIdleMs }));

  app.use(cookieParser());
  app.use(express.urlencoded({ extended: true, limit: LIMITS.bodyBytes }));
  app.use(loadSession(db, clock));
  app.post(paths.admin.importPlan, acceptUpload('planFile', LIMITS.planFileBytes, AREA_ROLES.administration));
  app.post(
    paths.importStandards,
    acceptUpload('standardsFile', LIMITS.catalogueFileBytes, AREA_ROLES.administration, { toDisk: true }),
  );
  app.post(routes.gatewayItemFiles, acceptEvidence(db, evidence, 'gateway_item', clock));
  app.post(routes.qualificationFiles, acceptEvidence(db, evidence, 'qualification', clock));
  app.post(routes.bookingFiles, acceptEvidence(db, evidence, 'booking', clock));
  app.post(routes.caseFiles, acceptEvidence(db, evidence, 'case', clock));
  app.post(routes.requestFiles, acceptEvidence(db, evidence, 'assessment_request', clock));
  app.post(routes.appealFiles, acceptEvidence(db, evidence, 'appeal', clock));
  app.post(paths.importApprentices, acceptUpload('csvFile', LIMITS.csvFileBytes, AREA_ROLES.apprenticeEditors));
  app.post(routes.importHours, acceptUpload('csvFile', LIMITS.hoursFileBytes, AREA_ROLES.apprenticeEditors));
  app.use(dropPrototypeKeys);
  app.use(csrfProtection(config.sessionSecret, secure));
  app.use(refuseUnsavableText);
  app.use(noStore);

  app.use(homeRoutes(db, clock, figureWaitMs, log));
  app.use(searchRoutes(db));
  app.use(
    authRoutes(db, {
      secureCookies: secure,
      attemptsPerWindow: signInAttempts,
      attemptsPerAccount: accountSignInAttempts,
      windowMinutes: 15,
      clock,
      hashCost,
    }),
  );
  app.use(standardsRoutes(db, clock));
  app.use(privacyRoutes(db, clock, evidence));
  app.use(apprenticeRoutes(db, clock));
  app.use(gatewayRoutes(db, clock));
  // Before the booking routes, whose /bookings/:id and /bookings/:id/:action would otherwise claim these pages.
  app.use(autoScheduleRoutes(db, { holdHours, clock }));
  app.use(resultPdfRoutes(db, clock));
  app.use(gradingRoutes(db, clock));
  app.use(reportRoutes(db, clock));
  app.use(consistencyRoutes(db));
  app.use(claimsRoutes(db, clock, config.apprenticeshipService ? serviceClient(config.apprenticeshipService) : null));
  app.use(certificatePages(db, clock));
  app.use(ofqualRoutes(db, clock));
  app.use(bookingRoutes(db, { holdHours, clock }));
  app.use(assessorRoutes(db, clock, baseUrl));
  app.use(notificationPages(db));
  app.use(planAdminRoutes(db));
  app.use(planBuilderRoutes(db, clock));
  app.use(evidencePages(db, evidence, clock));
  app.use(requestPages(db, clock));
  app.use(casePages(db, clock));
  app.use(userAdminRoutes(db, { clock, hashCost, baseUrl }));
  app.use(accountRoutes(db, { clock, hashCost }));
  app.use(auditRoutes(db));

  app.use(notFound);
  app.use(pageErrorHandler(log));
  return app;
}

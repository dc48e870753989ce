import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/*
 * Structured request logs (JSON lines) that hold no personal data. A line says which route was
 * asked (its pattern, `/apprentices/:uln`, never the ULN), how it was answered and how fast, and
 * which user account asked (its id, never its email). Query strings are left out (filters and
 * searches can hold names), and so are headers (cookies, bearer tokens) and bodies.
 */

export function createLogger(level: Level | 'silent' = 'info', destination?: DestinationStream): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A ULN, or any other run of ten or more digits. */
const LONG_NUMBER = /^\d{10,}$/;
/** A secret in a path (calendar feed tokens are long random strings). */
const TOKEN_LIKE = /^[A-Za-z0-9_-]{20,}(\.[a-z]+)?$/;

/**
 * A path with what could identify a person taken out, for requests no route answered (a 404
 * has no pattern to log): the query string is dropped, numbers of ten or more digits become
 * `:number` and long token-like segments `:token`. Short ids (a booking's 42) stay: they name a
 * record, not a person, and help whoever reads the log find it.
 */
export function redactPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path
    .split('/')
    .map((segment) => (LONG_NUMBER.test(segment) ? ':number' : TOKEN_LIKE.test(segment) ? ':token' : segment))
    .join('/');
}

/** The pattern of the route that answered (`/api/v1/results/:uln`), or the redacted path when none did. */
export function routeOf(req: Request): string {
  const pattern: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : redactPath(req.originalUrl);
}

/** Static files are not worth a line each. */
const QUIET = /^\/(assets|public)\//;

/**
 * One line per request, written when the response has gone (or the client went away), so the
 * route that answered is known. Each response carries its line's id as X-Request-Id, so a user
 * reporting a problem can quote it.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (QUIET.test(req.path)) return next();
    const started = process.hrtime.bigint();
    const id = randomUUID();
    res.setHeader('X-Request-Id', id);
    let written = false;
    const write = (aborted: boolean) => {
      if (written) return;
      written = true;
      const user = res.locals.currentUser;
      const line = {
        id,
        method: req.method,
        route: routeOf(req),
        status: res.statusCode,
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
        ...(user ? { user: user.id, role: user.role } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    };
    res.on('finish', () => write(false));
    res.on('close', () => write(!res.writableFinished));
    next();
  };
}

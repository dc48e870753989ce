import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Problem } from '../validation/problems.js';

/** An error whose status and message are safe to show to the person who made the request. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An HTTP error that carries its problems, so the API answers each with its path. */
export class ProblemsError extends HttpError {
  constructor(
    status: number,
    readonly problems: Problem[],
  ) {
    super(status, problems.map((p) => p.message).join('; '));
  }
}

/** The server is busy with other work of the same kind: nothing was done; try again after `retryAfterSeconds`. */
export class BusyError extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(503, message);
  }
}

/** A request body that stopped arriving: the connection is closed with the answer. */
export class StalledBodyError extends HttpError {
  constructor(message: string) {
    super(408, message);
  }
}

/**
 * Headers an error's answer carries: when to try again after a busy refusal; a stalled body's
 * connection closed (its rest will never be read).
 */
export function errorHeaders(error: unknown): Record<string, string> {
  if (error instanceof BusyError) return { 'Retry-After': String(error.retryAfterSeconds) };
  if (error instanceof StalledBodyError) return { Connection: 'close' };
  return {};
}

/** Text the platform does not store (text-guard.ts): pages answer it with an error summary of its problems. */
export class UnsavableTextError extends ProblemsError {}

export const notFound: RequestHandler = () => {
  throw new HttpError(404, 'Page not found');
};

const TITLES: Record<number, string> = {
  400: 'There is a problem with your request',
  403: 'You do not have permission to see this page',
  404: 'Page not found',
  409: 'This cannot be done now',
  413: 'The file or form is too large',
  408: 'The request stopped arriving',
  415: 'The request is not in a format this service reads',
  429: 'Too many requests',
  503: 'The service is busy',
};

/** Body-parser and multer report their own failures; turn them into statuses a person can act on. */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (typeof error === 'object' && error !== null) {
    const e = error as { type?: string; code?: string; status?: number };
    if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE' || e.code === 'LIMIT_FIELD_VALUE') return 413;
    if (e.type === 'entity.parse.failed' || e.code?.startsWith('LIMIT_')) return 400;
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return e.status;
  }
  return 500;
}

/** Renders an error page. Never a stack trace: details of unexpected errors go to the log only. */
export function pageErrorHandler(log: (error: unknown) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    // A download already under way (stream.ts) cannot become an error page: it is cut short, so the
    // browser sees a failed download rather than a file that looks whole. Logged here, once.
    if (res.headersSent) {
      log(error);
      res.destroy();
      return;
    }
    const status = statusOf(error);
    if (status === 500) log(error);
    res.set(errorHeaders(error));
    const message =
      status === 500
        ? 'Sorry, there is a problem with the service. Try again later.'
        : error instanceof HttpError
          ? error.message
          : TITLES[status];
    // A form refused for its text (text-guard.ts) names each field and what is wrong with it.
    const problems = error instanceof UnsavableTextError ? error.problems : undefined;
    res.status(status).render('errors/error', {
      title: TITLES[status] ?? 'Sorry, there is a problem with the service',
      message: problems
        ? 'Nothing was saved. Go back to the form (your browser keeps what you typed), correct it and send it again.'
        : message,
      errorList: problems?.map((p) => ({ text: p.message })),
      status,
    });
  };
}

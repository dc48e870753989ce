import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_HASH_COST } from './auth/passwords.js';

const onOff = z.enum(['on', 'off'], { error: 'must be "on" or "off"' });

const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'], { error: 'must be development, test or production' })
    .default('development'),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0)
    .max(65535)
    .default(3000),
  DATABASE_PATH: z.string().min(1, 'must not be empty').default(path.join('db', 'epa.sqlite')),
  // The evidence store's files; unset: a folder named files beside the database.
  FILES_PATH: z.string().min(1, 'must not be empty').optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // Unset: on for development and tests, off in production (demo users have a published password).
  DEMO_DATA: onOff.optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// address')
    .optional(),
  MAIL_FROM: z.email('must be an email address').default('epa@localhost'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent'], {
      error: 'must be fatal, error, warn, info, debug or silent',
    })
    .default('info'),
  // scrypt's N: a power of two. Tests use a small one; production refuses less than the default.
  PASSWORD_HASH_COST: z.coerce
    .number({ error: 'must be a power of two' })
    .int('must be a power of two')
    .min(2, 'must be at least 2')
    .max(2 ** 17, 'must be at most 131072')
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
    .default(DEFAULT_HASH_COST),
  // The apprenticeship service's Record a Grade API: both set turn on sending claims directly.
  APPRENTICESHIP_SERVICE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' })
    .optional(),
  APPRENTICESHIP_SERVICE_KEY: z.string().min(8, 'must be at least 8 characters').optional(),
  // Where `import-standards --fetch` downloads the national catalogue's standards file from.
  STANDARDS_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' }).optional(),
  // The address people reach the app at: links sent to them (calendar feeds, password resets) are built from it.
  BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' }).optional(),
  // Which proxies' X-Forwarded-For to believe: a number of hops, or addresses and ranges ("loopback", "10.0.0.0/8").
  TRUST_PROXY: z
    .string()
    .regex(
      /^(\d{1,2}|((loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)\s*(,\s*|$))+)$/,
      'must be a number of proxies (1) or a list of addresses and ranges (loopback, 10.0.0.0/8)',
    )
    .optional(),
  HOLD_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .int('must be a whole number of hours')
    .min(1)
    .max(24 * 14)
    .default(48),
});

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  databasePath: string;
  /** Where the evidence store keeps its files (FILES_PATH; by default beside the database). */
  filesPath: string;
  sessionSecret: string;
  demoData: boolean;
  /** How long a booking may stay held before the assessor confirms it. */
  holdHours: number;
  /** Where notifications are sent from, and through (none: they stay in the outbox page). */
  smtpUrl: string | null;
  mailFrom: string;
  /** The apprenticeship service's Record a Grade API and its subscription key; null: claims are downloaded instead. */
  apprenticeshipService: { url: string; key: string } | null;
  /** scrypt's cost for new password hashes (PASSWORD_HASH_COST). */
  passwordHashCost: number;
  /** The app's public address, without a trailing slash: links sent to people are built from it, never from a request's Host. */
  baseUrl: string;
  /** Where the national catalogue's standards file is downloaded from (STANDARDS_URL), if set. */
  standardsUrl: string | null;
  /** Express's "trust proxy": which proxies' X-Forwarded-For is believed (false: none, the header is ignored). */
  trustProxy: number | string | false;
  /** The least severe request log lines written to standard output (JSON lines). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** Messages worth telling the person starting the app (e.g. a generated secret). */
  warnings: string[];
}

export class ConfigError extends Error {}

/**
 * Reads the configuration from the environment. Fails fast, naming each bad variable.
 * SESSION_SECRET is required in production; elsewhere a random one is made (sessions
 * then end when the app restarts) and a warning says so.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most shells' `VAR= command`.
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const values = parsed.data;
  const warnings: string[] = [];
  if (values.NODE_ENV === 'production' && values.PASSWORD_HASH_COST < DEFAULT_HASH_COST) {
    throw new ConfigError(
      `Invalid configuration:\n  PASSWORD_HASH_COST must be at least ${DEFAULT_HASH_COST} when NODE_ENV=production`,
    );
  }
  let sessionSecret = values.SESSION_SECRET;
  if (!sessionSecret) {
    if (values.NODE_ENV === 'production') {
      throw new ConfigError('Invalid configuration:\n  SESSION_SECRET is required when NODE_ENV=production');
    }
    sessionSecret = randomBytes(32).toString('hex');
    if (values.NODE_ENV === 'development') {
      warnings.push(
        'SESSION_SECRET is not set: using a random one, so forms opened before a restart must be reloaded. Set it for real use.',
      );
    }
  }
  if (values.NODE_ENV === 'production' && values.APPRENTICESHIP_SERVICE_URL?.startsWith('http:'))
    throw new ConfigError(
      'Invalid configuration:\n  APPRENTICESHIP_SERVICE_URL must be https:// when NODE_ENV=production (it carries the key and personal data)',
    );
  if (Boolean(values.APPRENTICESHIP_SERVICE_URL) !== Boolean(values.APPRENTICESHIP_SERVICE_KEY))
    throw new ConfigError(
      'Invalid configuration:\n  APPRENTICESHIP_SERVICE_URL and APPRENTICESHIP_SERVICE_KEY are set together, or neither',
    );
  if (values.NODE_ENV === 'production' && !values.BASE_URL)
    throw new ConfigError(
      'Invalid configuration:\n  BASE_URL is required when NODE_ENV=production (the address people reach the app at, such as https://epa.example.org)',
    );
  if (values.NODE_ENV === 'production' && values.BASE_URL?.startsWith('http:'))
    throw new ConfigError('Invalid configuration:\n  BASE_URL must be https:// when NODE_ENV=production');
  const demoData = values.DEMO_DATA === undefined ? values.NODE_ENV !== 'production' : values.DEMO_DATA === 'on';
  if (demoData && values.NODE_ENV === 'production') {
    warnings.push(
      'DEMO_DATA=on in production: the demo users and their published password are created. Use this only for a demonstration server.',
    );
  }
  return {
    env: values.NODE_ENV,
    port: values.PORT,
    databasePath: values.DATABASE_PATH,
    filesPath: values.FILES_PATH ?? path.join(path.dirname(values.DATABASE_PATH), 'files'),
    sessionSecret,
    demoData,
    holdHours: values.HOLD_HOURS,
    smtpUrl: values.SMTP_URL ?? null,
    apprenticeshipService:
      values.APPRENTICESHIP_SERVICE_URL && values.APPRENTICESHIP_SERVICE_KEY
        ? { url: values.APPRENTICESHIP_SERVICE_URL.replace(/\/$/, ''), key: values.APPRENTICESHIP_SERVICE_KEY }
        : null,
    mailFrom: values.MAIL_FROM,
    logLevel: values.LOG_LEVEL,
    passwordHashCost: values.PASSWORD_HASH_COST,
    baseUrl: (values.BASE_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, ''),
    standardsUrl: values.STANDARDS_URL ?? null,
    trustProxy:
      values.TRUST_PROXY === undefined
        ? false
        : /^\d+$/.test(values.TRUST_PROXY)
          ? Number(values.TRUST_PROXY)
          : values.TRUST_PROXY,
    warnings,
  };
}

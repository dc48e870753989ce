import fs from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { DateTime } from 'luxon';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/audit.js';
import { ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { employers, providers } from '../db/schema.js';
import { importPlanText } from '../plans/store.js';
import { newTokenSchema, newUserSchema, ukprnSchema } from '../users/schema.js';
import { createApiToken, createUser, findUserForSignIn, listUsers } from '../users/store.js';
import { problemsFromZod, type Problem } from '../validation/problems.js';
import { describeCatalogueImport, importCatalogue } from '../catalogue/import.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Reads the password (from standard input, never from the command line where `ps` would show it). */
  readPassword: () => Promise<string>;
  /** scrypt's cost for the new user's password (the configuration's PASSWORD_HASH_COST). */
  hashCost: number;
  /** The time now (a token's expiry counts from it). */
  now: () => DateTime;
  /** Where `import-standards --fetch` downloads the catalogue from (STANDARDS_URL). */
  standardsUrl?: string | null;
}

export const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-user --email E --role R --name N [--ukprn U] [--employer ID]
                           Create a user; the password is read from standard input.
                           Roles: ${ROLES.join(', ')}. A provider needs --ukprn, an employer --employer.
  create-token --email E [--days D]
                           Issue an API token for a user, working for D days (default 90, at most 365);
                           printed once, on the last line.
  list-users               List users with their roles and scope.
  import-plan FILE         Validate an assessment plan (JSON) and import it; nothing changes if it has problems.
  import-standards FILE    Import the national catalogue's standards file (Skills England's JSON, one element
                           per version), version by version, and say what was added, changed and left alone.
  import-standards --fetch Download the file from STANDARDS_URL and import it as it arrives.
  add-provider --ukprn U --name N
                           Register a training provider (so provider users can be scoped to it).
  add-employer --id ID --name N
                           Register an employer (so employer users can be scoped to it).

The database is the one DATABASE_PATH names (default db/epa.sqlite).`;

/** Changes made from the command line are audited as the operating-system user who ran them. */
const cliActor = (): Actor => ({ userId: null, label: `cli:${process.env.USER ?? 'unknown'}` });

class UsageError extends Error {}

function printProblems(io: CliIo, problems: Problem[]): void {
  for (const p of problems) io.err(`  ${p.path ? `${p.path}: ` : ''}${p.message}`);
}

function options<T extends Record<string, { type: 'string' }>>(args: string[], spec: T) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

const organisationSchemas = {
  provider: z.object({ ukprn: ukprnSchema, name: z.string().trim().min(1, 'Give --name') }),
  employer: z.object({
    id: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'Employer ids use lower-case letters, digits and hyphens'),
    name: z.string().trim().min(1, 'Give --name'),
  }),
};

/** The catalogue file from `url`, as a stream read as it arrives (never held whole), or why not. */
async function download(url: string): Promise<{ ok: true; body: Readable } | { ok: false; message: string }> {
  try {
    const res = await fetch(url);
    if (!res.ok || !res.body) return { ok: false, message: `${url} answered ${res.status} ${res.statusText}` };
    return { ok: true, body: Readable.fromWeb(res.body) };
  } catch (error) {
    return {
      ok: false,
      message: `${url} could not be reached: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Runs one admin command against the database. Returns the process exit code. */
export async function runAdminCommand(db: Db, argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'create-user': {
        const values = options(rest, {
          email: { type: 'string' },
          role: { type: 'string' },
          name: { type: 'string' },
          ukprn: { type: 'string' },
          employer: { type: 'string' },
        });
        const password = await io.readPassword();
        const parsed = newUserSchema.safeParse({
          email: values.email ?? '',
          role: values.role,
          name: values.name ?? '',
          ukprn: values.ukprn ?? '',
          employerId: values.employer ?? '',
          password,
        });
        if (!parsed.success) {
          io.err('The user was not created:');
          printProblems(
            io,
            problemsFromZod(parsed.error).map((p) => ({
              ...p,
              path:
                p.path === 'employerId'
                  ? '--employer'
                  : p.path === 'password'
                    ? 'password (standard input)'
                    : `--${p.path}`,
            })),
          );
          return 1;
        }
        const result = await createUser(db, parsed.data, cliActor(), io.hashCost);
        if (!result.ok) {
          io.err('The user was not created:');
          printProblems(io, result.problems);
          return 1;
        }
        io.out(`Created ${result.user.role} ${result.user.email} (id ${result.user.id}).`);
        return 0;
      }
      case 'create-token': {
        const values = options(rest, { email: { type: 'string' }, days: { type: 'string' } });
        if (!values.email) throw new UsageError('Give --email');
        const days = newTokenSchema.safeParse({ days: values.days });
        if (!days.success) throw new UsageError(`--days: ${days.error.issues[0]!.message}`);
        const user = findUserForSignIn(db, values.email);
        if (!user) {
          io.err(`No user has the email address ${values.email}.`);
          return 1;
        }
        const { token, expiresAt } = createApiToken(db, user.id, cliActor(), io.now(), days.data.days);
        io.out(
          `API token for ${user.email} (${user.role}), working until ${expiresAt}. It is shown only now; store it safely:`,
        );
        io.out(token);
        return 0;
      }
      case 'list-users': {
        options(rest, {});
        for (const u of listUsers(db)) {
          const scope = u.providerUkprn ? ` ukprn=${u.providerUkprn}` : u.employerId ? ` employer=${u.employerId}` : '';
          io.out(`${String(u.id).padStart(4)}  ${u.role.padEnd(16)} ${u.email}  ${u.name}${scope}`);
        }
        return 0;
      }
      case 'import-plan': {
        const file = rest[0];
        if (!file || rest.length > 1) throw new UsageError('Give exactly one FILE');
        if (!fs.existsSync(file)) {
          io.err(`No such file: ${file}`);
          return 1;
        }
        const result = importPlanText(db, fs.readFileSync(file, 'utf8'), cliActor());
        if (!result.ok) {
          io.err(
            `${file} was not imported (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; nothing was changed):`,
          );
          printProblems(io, result.problems);
          return 1;
        }
        io.out(
          `${result.value.replaced ? 'Replaced' : 'Imported'} plan ${result.value.plan.id} for ${result.value.plan.standard.reference} v${result.value.plan.standard.version}.`,
        );
        return 0;
      }
      case 'import-standards': {
        const file = rest[0];
        if (!file || rest.length > 1) throw new UsageError('Give exactly one FILE, or --fetch');
        let source: Readable;
        if (file === '--fetch') {
          if (!io.standardsUrl) {
            io.err('Set STANDARDS_URL to the address of the national catalogue’s standards file, then use --fetch');
            return 1;
          }
          const downloaded = await download(io.standardsUrl);
          if (!downloaded.ok) {
            io.err(downloaded.message);
            return 1;
          }
          source = downloaded.body;
        } else if (!fs.existsSync(file)) {
          io.err(`No such file: ${file}`);
          return 1;
        } else source = fs.createReadStream(file);
        const summary = await importCatalogue(db, source, cliActor());
        for (const line of describeCatalogueImport(summary)) io.out(line);
        return summary.fault || summary.refused.length > 0 ? 1 : 0;
      }
      case 'add-provider':
      case 'add-employer': {
        const kind = command === 'add-provider' ? 'provider' : 'employer';
        const values = options(
          rest,
          kind === 'provider'
            ? { ukprn: { type: 'string' }, name: { type: 'string' } }
            : { id: { type: 'string' }, name: { type: 'string' } },
        );
        const parsed = organisationSchemas[kind].safeParse(values);
        if (!parsed.success) {
          io.err(`The ${kind} was not added:`);
          printProblems(
            io,
            problemsFromZod(parsed.error).map((p) => ({ ...p, path: `--${p.path}` })),
          );
          return 1;
        }
        const added = db.transaction((tx) => {
          const row = parsed.data;
          const exists =
            'ukprn' in row
              ? tx.select().from(providers).where(eq(providers.ukprn, row.ukprn)).get()
              : tx.select().from(employers).where(eq(employers.id, row.id)).get();
          if (exists) return false;
          if ('ukprn' in row) tx.insert(providers).values(row).run();
          else tx.insert(employers).values(row).run();
          recordAudit(tx, cliActor(), {
            action: `${kind}.added`,
            entityType: kind,
            entityId: 'ukprn' in row ? row.ukprn : row.id,
            after: row,
          });
          return true;
        });
        if (!added) {
          io.err(`That ${kind} is already registered.`);
          return 1;
        }
        io.out(`Added ${kind} ${parsed.data.name}.`);
        return 0;
      }
      default:
        throw new UsageError(command ? `Unknown command: ${command}` : 'Give a command');
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { runAdminCommand } from '../../src/cli/admin-commands.js';
import { apiTokens, auditEvents, plans, users } from '../../src/db/schema.js';
import { findTokenUser } from '../../src/users/store.js';
import { testDb, TEST_CONFIG } from '../support/app.js';
import { now } from '../support/clock.js';

async function run(db: Awaited<ReturnType<typeof testDb>>['db'], argv: string[], password = 'a-strong-password-1') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdminCommand(db, argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readPassword: () => Promise.resolve(password),
    hashCost: TEST_CONFIG.passwordHashCost,
    now,
  });
  return { code, out, err: err.join('\n') };
}

describe('admin command line', () => {
  it('creates a user with a hashed password read from standard input', async () => {
    const { db } = await testDb();
    const res = await run(db, [
      'create-user',
      '--email',
      'New.Assessor@EPAO.example',
      '--role',
      'assessor',
      '--name',
      'New Assessor',
    ]);
    expect(res.code).to.equal(0);
    const user = db.select().from(users).where(eq(users.email, 'new.assessor@epao.example')).get()!;
    expect(user.role).to.equal('assessor');
    expect(user.passwordHash)
      .to.match(/^scrypt\$/)
      .and.not.contain('a-strong-password-1');
    expect(db.select().from(auditEvents).where(eq(auditEvents.action, 'user.created')).get()!.actorLabel).to.match(
      /^cli:/,
    );
  });

  it('explains what is wrong and exits non-zero on bad arguments', async () => {
    const { db } = await testDb();
    const noScope = await run(db, ['create-user', '--email', 'p@x.example', '--role', 'provider', '--name', 'P']);
    expect(noScope.code).to.equal(1);
    expect(noScope.err).to.contain('--ukprn: Enter the UKPRN');
    const badRole = await run(db, ['create-user', '--email', 'p@x.example', '--role', 'boss', '--name', 'P']);
    expect(badRole.err).to.contain('--role: Select a role');
    const shortPassword = await run(
      db,
      ['create-user', '--email', 'p@x.example', '--role', 'admin', '--name', 'P'],
      'short',
    );
    expect(shortPassword.err).to.contain('password (standard input): Password must be at least 12 characters');
    const unknownOption = await run(db, ['create-user', '--mail', 'p@x.example']);
    expect(unknownOption.code).to.equal(2);
    expect(unknownOption.err).to.contain('Usage: npm run admin');
    expect((await run(db, ['frobnicate'])).err).to.contain('Unknown command: frobnicate');
    expect((await run(db, [])).code).to.equal(2);
    const unknownEmployer = await run(db, [
      'create-user',
      '--email',
      'e@x.example',
      '--role',
      'employer',
      '--name',
      'E',
      '--employer',
      'nobody',
    ]);
    expect(unknownEmployer.err).to.contain('No employer with id nobody');
  });

  it('prints a new API token on its last line and stores only its hash', async () => {
    const { db, users: u } = await testDb();
    const res = await run(db, ['create-token', '--email', u.provider.email]);
    expect(res.code).to.equal(0);
    const token = res.out.at(-1)!;
    expect(token).to.match(/^epa_[A-Za-z0-9_-]{40,}$/);
    expect(findTokenUser(db, token, now())!.email).to.equal(u.provider.email);
    expect(db.select().from(apiTokens).get()!.tokenHash).not.to.equal(token);
    expect((await run(db, ['create-token', '--email', 'nobody@x.example'])).code).to.equal(1);
  });

  it('lists users with their scope', async () => {
    const { db, users: u } = await testDb();
    const res = await run(db, ['list-users']);
    expect(res.out.join('\n'))
      .to.contain(u.provider.email)
      .and.to.contain('ukprn=10061234')
      .and.to.contain('employer=transport-workers-union');
  });

  it('imports a good plan and refuses a bad one without changing anything', async () => {
    const { db } = await testDb();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-cli-'));
    const plan = JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as {
      title: string;
      combination: unknown[];
    };
    plan.title = 'From the command line';
    fs.writeFileSync(path.join(dir, 'good.json'), JSON.stringify(plan));
    plan.combination.push(plan.combination[0]);
    plan.title = 'Should not land';
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(plan));

    const good = await run(db, ['import-plan', path.join(dir, 'good.json')]);
    expect(good.code).to.equal(0);
    expect(good.out[0]).to.equal('Replaced plan ST0815-1.0-demo for ST0815 v1.0.');
    const bad = await run(db, ['import-plan', path.join(dir, 'bad.json')]);
    expect(bad.code).to.equal(1);
    expect(bad.err).to.contain('1 problem; nothing was changed').and.to.contain('combination[9]: Combination project=');
    expect(db.select().from(plans).get()!.title).to.equal('From the command line');
    expect((await run(db, ['import-plan', path.join(dir, 'missing.json')])).err).to.contain('No such file');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers providers and employers for scoped users', async () => {
    const { db } = await testDb();
    expect((await run(db, ['add-provider', '--ukprn', '1234', '--name', 'X'])).err).to.contain(
      '--ukprn: UKPRN must be 8 digits',
    );
    expect((await run(db, ['add-provider', '--ukprn', '10099999', '--name', 'New College'])).code).to.equal(0);
    expect((await run(db, ['add-provider', '--ukprn', '10099999', '--name', 'Again'])).err).to.contain(
      'already registered',
    );
    expect((await run(db, ['add-employer', '--id', 'new-union', '--name', 'New Union'])).code).to.equal(0);
    const created = await run(db, [
      'create-user',
      '--email',
      'p@new.example',
      '--role',
      'provider',
      '--name',
      'P',
      '--ukprn',
      '10099999',
    ]);
    expect(created.code).to.equal(0);
  });
});

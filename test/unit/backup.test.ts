import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import Database from 'better-sqlite3';
import { createApp } from '../../src/app.js';
import { MIGRATIONS_FOLDER, openDatabase } from '../../src/db/connection.js';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { auditEvents } from '../../src/db/schema.js';
import { backupDatabase } from '../../src/ops/backup.js';
import { restoreDatabase } from '../../src/ops/restore.js';
import { holdLock, lockFileOf } from '../../src/ops/lock.js';
import { runBackupCommand } from '../../src/cli/backup-commands.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { users } from '../../src/db/schema.js';
import type { Db } from '../../src/db/connection.js';

/** A user account, as every real database has: a backup without one is refused as empty. */
const withUser = (db: Db, email = 'admin@epao.example') =>
  db.insert(users).values({ email, name: 'Admin', role: 'admin', passwordHash: 'scrypt$x' }).run();
const NOW = new Date('2024-03-05T09:30:00.000Z');
const yes = { confirm: () => Promise.resolve(true), now: NOW };

describe('backups, restores and the health check', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-backup-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('backs up a database while it is being written, and the restored copy holds every row committed before the backup ended', async () => {
    const db = openDatabase(path.join(dir, 'live.sqlite'));
    withUser(db);
    const write = (n: number) =>
      db
        .insert(auditEvents)
        .values({ actorLabel: 'test', action: 'test.write', entityType: 'test', entityId: String(n) })
        .run();
    for (let n = 0; n < 2000; n++) write(n);
    // Keep writing between the backup's steps.
    let written = 2000;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        write(written++);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await backupDatabase(db.$client, path.join(dir, 'backup.sqlite'));
    const committedBeforeEnd = written;
    // Only its owner may read a backup, and a second backup never overwrites the first.
    expect(fs.statSync(path.join(dir, 'backup.sqlite')).mode & 0o777).to.equal(0o600);
    let refused = '';
    await backupDatabase(db.$client, path.join(dir, 'backup.sqlite')).catch((e: Error) => (refused = e.message));
    expect(refused).to.contain('already exists');
    writing = false;
    await writer;
    db.$client.close();

    const target = path.join(dir, 'restored.sqlite');
    openDatabase(target).$client.close();
    expect(await restoreDatabase(path.join(dir, 'backup.sqlite'), target, yes)).to.include({ restored: true });
    const restored = new Database(target, { readonly: true });
    const ids = new Set(
      (
        restored.prepare("select entity_id from audit_events where action = 'test.write'").all() as {
          entity_id: string;
        }[]
      ).map((r) => Number(r.entity_id)),
    );
    restored.close();
    expect(committedBeforeEnd).to.be.greaterThan(2000);
    const missing = Array.from({ length: committedBeforeEnd }, (_, n) => n).filter((n) => !ids.has(n));
    expect(missing, 'rows committed before the backup ended').to.deep.equal([]);
  });

  describe('a restore that cannot destroy', () => {
    let live: string;
    let backup: string;
    let db: Db;
    const count = (file: string, table: string) => {
      const client = new Database(file, { readonly: true });
      const n = (client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      client.close();
      return n;
    };
    /** The restore command as an operator runs it, with its output. */
    const restore = async (args: string[], answer: string | null = null) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runBackupCommand(live, ['restore', ...args], {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        ask: answer === null ? null : () => Promise.resolve(answer),
        now: () => NOW,
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };

    beforeEach(async () => {
      live = path.join(dir, 'epa.sqlite');
      backup = path.join(dir, 'backup.sqlite');
      db = openDatabase(live);
      withUser(db);
      await backupDatabase(db.$client, backup);
      // The live database moves on after the backup: a second user.
      withUser(db, 'second@epao.example');
      db.$client.close();
    });

    it('refuses while the app holds the database, saying how to stop it, and changes nothing', async () => {
      const release = holdLock(live, 'app');
      try {
        const res = await restore([backup, '--yes']);
        expect(res.code).to.equal(1);
        expect(res.err).to.contain('The app is running with this database open').and.to.contain('Ctrl+C');
        expect(count(live, 'users')).to.equal(2);
      } finally {
        release();
      }
      expect(fs.existsSync(lockFileOf(live))).to.equal(false);
      // Stopped: the restore goes ahead.
      expect((await restore([backup, '--yes'])).code).to.equal(0);
      expect(count(live, 'users')).to.equal(1);
    });

    it('takes over a lock whose process has gone, and keeps the app out while it restores', async () => {
      fs.writeFileSync(
        lockFileOf(live),
        JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), purpose: 'app', since: '2024-01-01T00:00:00Z' }),
      );
      let during = '';
      await restoreDatabase(backup, live, {
        now: NOW,
        confirm: () => {
          try {
            holdLock(live, 'app');
          } catch (error) {
            during = (error as Error).message;
          }
          return Promise.resolve(true);
        },
      });
      expect(during).to.contain('A restore into this database is under way');
      expect(fs.existsSync(lockFileOf(live))).to.equal(false);
    });

    it('shows both databases side by side and asks; anything but yes restores nothing', async () => {
      const no = await restore([backup], 'no');
      expect(no.code).to.equal(1);
      expect(no.out).to.match(/User accounts\s+1\s+2/);
      expect(no.out).to.match(/Apprentices\s+0\s+0/);
      expect(no.err).to.contain('Nothing was restored');
      expect(count(live, 'users')).to.equal(2);

      const ok = await restore([backup], 'yes');
      expect(ok.code).to.equal(0);
      expect(count(live, 'users')).to.equal(1);
    });

    it('without a terminal to ask in, restores only with --yes', async () => {
      const res = await restore([backup]);
      expect(res.code).to.equal(1);
      expect(res.err).to.contain('confirm with --yes');
      expect(count(live, 'users')).to.equal(2);
    });

    it('keeps the database it replaces beside it, dated and owner-only', async () => {
      const res = await restore([backup, '--yes']);
      const kept = `${live}.replaced-2024-03-05T093000Z`;
      expect(res.out).to.contain(`The database it replaced is kept as ${kept}`);
      expect(count(kept, 'users')).to.equal(2);
      expect(fs.statSync(kept).mode & 0o777).to.equal(0o600);
    });

    it('refuses an empty backup, a damaged or foreign file, and one from a newer version, changing nothing', async () => {
      const empty = path.join(dir, 'empty.sqlite');
      openDatabase(empty).$client.close();
      const newer = path.join(dir, 'newer.sqlite');
      fs.copyFileSync(backup, newer);
      const client = new Database(newer);
      client.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('f'.repeat(64), 9e12);
      client.close();
      const other = path.join(dir, 'other.sqlite');
      new Database(other).exec('create table x (y)');
      fs.writeFileSync(path.join(dir, 'junk.sqlite'), 'not a database');
      const refusals: [string, string][] = [
        [empty, 'The backup is empty: it holds no user accounts'],
        [newer, 'made by a newer version of the app'],
        [other, 'not a backup of this app’s database'],
        [path.join(dir, 'junk.sqlite'), 'not a database'],
        [path.join(dir, 'missing.sqlite'), 'There is no backup at'],
      ];
      for (const [file, message] of refusals) {
        const res = await restore([file, '--yes']);
        expect(res.code, file).to.equal(1);
        expect(res.err, file).to.contain(message);
      }
      expect(count(live, 'users')).to.equal(2);
      expect(fs.readdirSync(dir).filter((f) => f.includes('.replaced-') || f.includes('.restoring-'))).to.deep.equal(
        [],
      );
    });

    it('brings a backup from an older version up to date as it restores it, leaving the backup file as it was', async () => {
      // A backup made by the version before the last migration: migrated with every migration but that one.
      const folder = path.join(dir, 'older-migrations');
      fs.cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
      const journal = path.join(folder, 'meta', '_journal.json');
      const meta = JSON.parse(fs.readFileSync(journal, 'utf8')) as { entries: unknown[] };
      const entries = meta.entries;
      fs.writeFileSync(journal, JSON.stringify({ ...meta, entries: entries.slice(0, -1) }));
      const older = path.join(dir, 'older.sqlite');
      const client = new Database(older);
      migrate(drizzle(client), { migrationsFolder: folder });
      client
        .prepare(
          "insert into users (email, name, role, password_hash) values ('old@epao.example', 'Old', 'admin', 'x')",
        )
        .run();
      client.close();

      const res = await restore([older, '--yes']);
      expect(res.out).to.match(/Schema\s+1 migration\(s\) behind: migrated\s+current/);
      expect(res.code, res.err).to.equal(0);
      expect(count(live, '__drizzle_migrations')).to.equal(entries.length);
      expect(count(live, 'users')).to.equal(1);
      expect(count(older, '__drizzle_migrations')).to.equal(entries.length - 1);
      expect(fs.readdirSync(dir).filter((f) => f.includes('.restoring-'))).to.deep.equal([]);
    });
  });

  it('creates the database and its WAL readable by their owner only', () => {
    const file = path.join(dir, 'new.sqlite');
    const db = openDatabase(file);
    withUser(db);
    for (const f of [file, `${file}-wal`]) expect(fs.statSync(f).mode & 0o777, f).to.equal(0o600);
    db.$client.close();
  });

  it('answers /health with 200 while the database answers, and 503 once it cannot', async () => {
    const db = openDatabase(path.join(dir, 'health.sqlite'));
    loadCatalogue(db);
    const errors: unknown[] = [];
    const app = createApp({ db, config: { env: 'test', sessionSecret: 'x'.repeat(40) }, log: (e) => errors.push(e) });
    const ok = await supertest(app).get('/health');
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ status: 'ok' });
    db.$client.close();
    const down = await supertest(app).get('/health');
    expect(down.status).to.equal(503);
    expect(down.body).to.deep.equal({ status: 'unavailable', problem: 'The database cannot answer' });
    expect(errors).to.have.length(1);
  });

  it('answers /health with 503 when the database is not the one the app expects: an older schema, or no standards', async () => {
    const db = openDatabase(path.join(dir, 'health.sqlite'));
    loadCatalogue(db);
    const app = createApp({ db, config: { env: 'test', sessionSecret: 'x'.repeat(40) }, log: () => undefined });
    expect((await supertest(app).get('/health')).status).to.equal(200);
    db.$client.pragma('foreign_keys = OFF');
    db.$client.exec('delete from standard_versions');
    expect((await supertest(app).get('/health')).body).to.deep.equal({
      status: 'unavailable',
      problem: 'The database holds no standards: it is empty or was replaced',
    });
    db.$client
      .prepare('delete from __drizzle_migrations where created_at = (select max(created_at) from __drizzle_migrations)')
      .run();
    const older = await supertest(app).get('/health');
    expect(older.status).to.equal(503);
    expect(older.body.problem).to.equal('The database schema is not this version’s');
    db.$client.close();
  });
});

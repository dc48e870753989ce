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
import { EvidenceStorage } from '../../src/evidence/storage.js';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { Db } from '../../src/db/connection.js';

/** A user account, as every real database has: a backup without one is refused as empty. */
const withUser = (db: Db, email = 'admin@epao.example') =>
  db.insert(users).values({ email, name: 'Admin', role: 'admin', passwordHash: 'scrypt$x' }).run();
const NOW = new Date('2024-03-05T09:30:00.000Z');
const yes = (filesPath: string) => ({ confirm: () => Promise.resolve(true), now: NOW, filesPath });

const count = (file: string, table: string) => {
  const client = new Database(file, { readonly: true });
  const n = (client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  client.close();
  return n;
};

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
    expect(await restoreDatabase(path.join(dir, 'backup.sqlite'), target, yes(path.join(dir, 'files')))).to.include({
      restored: true,
    });
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
    /** The restore command as an operator runs it, with its output. */
    const restore = async (args: string[], answer: string | null = null) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runBackupCommand(
        { databasePath: live, filesPath: path.join(dir, 'files') },
        ['restore', ...args],
        {
          out: (l) => out.push(l),
          err: (l) => err.push(l),
          ask: answer === null ? null : () => Promise.resolve(answer),
          now: () => NOW,
        },
      );
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
        filesPath: path.join(dir, 'files'),
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

  describe('the evidence store’s files, with the database', () => {
    const PDF = Buffer.from('%PDF-1.4\nA portfolio\n');
    const TEXT = Buffer.from('A reflective account\n');
    const command = (databasePath: string, filesPath: string, args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      return runBackupCommand({ databasePath, filesPath }, args, {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        ask: null,
        now: () => NOW,
      }).then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
    };
    /** A database whose apprentice has two files in the store at `filesPath`; their hashes. */
    async function withFiles(file: string, filesPath: string): Promise<string[]> {
      const db = openDatabase(file);
      withUser(db);
      const store = new EvidenceStorage(filesPath);
      const stored = [
        await store.receive(Readable.from([PDF]), 1024),
        await store.receive(Readable.from([TEXT]), 1024),
      ];
      // Only the files' rows matter here: the apprentice they belong to is left out (foreign keys off for this).
      db.$client.pragma('foreign_keys = OFF');
      for (const f of stored)
        db.$client
          .prepare(
            `insert into evidence_files (apprentice_id, record_type, record_key, sha256, size, media_type, file_name, uploaded_at)
             values (1, 'gateway_item', 'portfolio', ?, ?, ?, 'file', '2024-03-01T00:00:00Z')`,
          )
          .run(f.sha256, f.size, f.mediaType);
      db.$client.close();
      return stored.map((f) => f.sha256);
    }

    it('backs up the files the database names beside it, and a restore puts them back into an empty store', async () => {
      const live = path.join(dir, 'live', 'epa.sqlite');
      fs.mkdirSync(path.dirname(live));
      const hashes = await withFiles(live, path.join(dir, 'live', 'files'));
      // A file in the store that no record names (a refused upload's leftovers) is not backed up.
      fs.writeFileSync(path.join(dir, 'live', 'files', 'stray'), 'not named');
      const backup = path.join(dir, 'backups', 'monday.sqlite');
      const made = await command(live, path.join(dir, 'live', 'files'), ['backup', backup]);
      expect(made.code, made.err).to.equal(0);
      expect(made.out).to.contain(`and its 2 evidence file(s) to ${backup}.files`);
      const kept = new EvidenceStorage(`${backup}.files`);
      expect(hashes.map((h) => fs.readFileSync(kept.pathOf(h)))).to.deep.equal(
        [PDF, TEXT].sort((a, b) =>
          createHash('sha256').update(a).digest('hex') < createHash('sha256').update(b).digest('hex') ? -1 : 1,
        ),
      );

      // Restored onto another machine: a new database and an empty store.
      const elsewhere = path.join(dir, 'elsewhere', 'epa.sqlite');
      fs.mkdirSync(path.dirname(elsewhere));
      const restored = await command(elsewhere, path.join(dir, 'elsewhere', 'files'), ['restore', backup, '--yes']);
      expect(restored.code, restored.err).to.equal(0);
      expect(restored.out).to.match(/Evidence files\s+2\s+-/);
      expect(restored.out).to.contain('2 evidence file(s) put back');
      const store = new EvidenceStorage(path.join(dir, 'elsewhere', 'files'));
      for (const h of hashes)
        expect(
          createHash('sha256')
            .update(fs.readFileSync(store.pathOf(h)))
            .digest('hex'),
          h,
        ).to.equal(h);
      expect(count(elsewhere, 'evidence_files')).to.equal(2);
    });

    it('refuses a backup whose files are missing or damaged, changing nothing', async () => {
      const live = path.join(dir, 'epa.sqlite');
      const hashes = await withFiles(live, path.join(dir, 'files'));
      const backup = path.join(dir, 'backup.sqlite');
      expect((await command(live, path.join(dir, 'files'), ['backup', backup])).code).to.equal(0);
      const kept = new EvidenceStorage(`${backup}.files`);
      const target = path.join(dir, 'target', 'epa.sqlite');
      fs.mkdirSync(path.dirname(target));

      fs.writeFileSync(kept.pathOf(hashes[0]!), 'changed on disk');
      const damaged = await command(target, path.join(dir, 'target', 'files'), ['restore', backup, '--yes']);
      expect(damaged.code).to.equal(1);
      expect(damaged.err).to.contain(`${hashes[0]} is damaged`);
      fs.rmSync(kept.pathOf(hashes[1]!));
      const missing = await command(target, path.join(dir, 'target', 'files'), ['restore', backup, '--yes']);
      expect(missing.err).to.contain('2 of 2').and.to.contain(`${hashes[1]} is missing`);
      expect(fs.existsSync(target)).to.equal(false);
      expect(fs.existsSync(path.join(dir, 'target', 'files'))).to.equal(false);
    });

    it('restores nothing when the files cannot be put into the store, and never writes over a backup’s files', async () => {
      const live = path.join(dir, 'epa.sqlite');
      await withFiles(live, path.join(dir, 'files'));
      const backup = path.join(dir, 'backup.sqlite');
      expect((await command(live, path.join(dir, 'files'), ['backup', backup])).code).to.equal(0);
      // The files' folder of a new backup already there: refused, as for the database file.
      fs.rmSync(backup);
      const again = await command(live, path.join(dir, 'files'), ['backup', backup]);
      expect(again.code).to.equal(1);
      expect(again.err).to.contain(`${backup}.files already exists`);
      expect(fs.existsSync(backup)).to.equal(false);
      expect((await command(live, path.join(dir, 'files'), ['backup', path.join(dir, 'second.sqlite')])).code).to.equal(
        0,
      );

      // The store is a file, not a folder: nothing can go into it, so nothing is restored.
      const target = path.join(dir, 'target.sqlite');
      openDatabase(target).$client.close();
      fs.writeFileSync(path.join(dir, 'blocked'), '');
      const res = await command(target, path.join(dir, 'blocked'), [
        'restore',
        path.join(dir, 'second.sqlite'),
        '--yes',
      ]);
      expect(res.code).to.equal(1);
      expect(res.err).to.contain('Nothing was restored: the evidence files could not be put into');
      expect(count(target, 'users')).to.equal(0);
      expect(fs.readdirSync(dir).filter((f) => f.includes('.replaced-'))).to.deep.equal([]);
    });

    it('keeps a backup’s files apart from the store’s: changing one leaves the other', async () => {
      const live = path.join(dir, 'epa.sqlite');
      const [sha] = await withFiles(live, path.join(dir, 'files'));
      const backup = path.join(dir, 'backup.sqlite');
      await command(live, path.join(dir, 'files'), ['backup', backup]);
      const stored = new EvidenceStorage(path.join(dir, 'files')).pathOf(sha!);
      const before = fs.readFileSync(stored);
      fs.writeFileSync(new EvidenceStorage(`${backup}.files`).pathOf(sha!), 'changed in the backup');
      expect(fs.readFileSync(stored)).to.deep.equal(before);
    });

    it('makes no backup when a file the database names is gone from the store', async () => {
      const live = path.join(dir, 'epa.sqlite');
      const hashes = await withFiles(live, path.join(dir, 'files'));
      fs.rmSync(new EvidenceStorage(path.join(dir, 'files')).pathOf(hashes[1]!));
      const backup = path.join(dir, 'backup.sqlite');
      const res = await command(live, path.join(dir, 'files'), ['backup', backup]);
      expect(res.code).to.equal(1);
      expect(res.err).to.contain(`The evidence store has no file ${hashes[1]}`);
      expect(fs.existsSync(backup)).to.equal(false);
      expect(fs.existsSync(`${backup}.files`)).to.equal(false);
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

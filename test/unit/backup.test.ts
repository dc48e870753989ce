import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import Database from 'better-sqlite3';
import { createApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/connection.js';
import { auditEvents } from '../../src/db/schema.js';
import { backupDatabase, restoreDatabase } from '../../src/ops/backup.js';

describe('backups and the health check', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-backup-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('backs up a database while it is being written, and the restored copy holds every row committed before the backup ended', async () => {
    const db = openDatabase(path.join(dir, 'live.sqlite'));
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
    await restoreDatabase(path.join(dir, 'backup.sqlite'), target);
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

  it('refuses to restore a file that is not a backup of this database, and leaves the database alone', async () => {
    const target = path.join(dir, 'live.sqlite');
    const db = openDatabase(target);
    db.insert(auditEvents).values({ actorLabel: 'test', action: 'keep.me', entityType: 'test', entityId: '1' }).run();
    const other = path.join(dir, 'other.sqlite');
    new Database(other).exec('create table x (y)');
    fs.writeFileSync(path.join(dir, 'junk.sqlite'), 'not a database');
    for (const file of [other, path.join(dir, 'junk.sqlite'), path.join(dir, 'missing.sqlite')]) {
      let message = '';
      await restoreDatabase(file, target).catch((e: Error) => (message = e.message));
      expect(message, file).to.not.equal('');
    }
    expect(db.$client.prepare("select count(*) as n from audit_events where action = 'keep.me'").get()).to.deep.equal({
      n: 1,
    });
    db.$client.close();
  });

  it('answers /health with 200 while the database answers, and 503 once it cannot', async () => {
    const db = openDatabase(path.join(dir, 'health.sqlite'));
    const errors: unknown[] = [];
    const app = createApp({ db, config: { env: 'test', sessionSecret: 'x'.repeat(40) }, log: (e) => errors.push(e) });
    const ok = await supertest(app).get('/health');
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ status: 'ok' });
    db.$client.close();
    const down = await supertest(app).get('/health');
    expect(down.status).to.equal(503);
    expect(down.body).to.deep.equal({ status: 'unavailable' });
    expect(errors).to.have.length(1);
  });
});

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { MIGRATIONS_FOLDER, openDatabase } from '../../src/db/connection.js';
import { freezeNewMigrations, manifestProblems, migrationTags, readManifest } from '../../src/db/migration-manifest.js';

/**
 * A database made by the last landed commit before this suite existed (fab5404), with the demo
 * data, kept in the repository: see test/fixtures/upgrade/README.md.
 */
const LANDED = path.join('test', 'fixtures', 'upgrade', 'fab5404-demo.sqlite');

function schemaOf(client: Database.Database): { type: string; name: string; sql: string | null }[] {
  return client
    .prepare("select type, name, sql from sqlite_master where name not like 'sqlite_%' order by type, name")
    .all() as { type: string; name: string; sql: string | null }[];
}

/**
 * What later migrations changed on purpose, column by column: the value before the upgrade (as
 * the migration turns it) and where the upgraded database holds it. Migration 0009 renamed the
 * 19+ English and maths choices and turned the EHC plan flag into a flexibility judgement with
 * its evidence still to record (0010 dropped the flag).
 */
const MIGRATED: Record<string, Record<string, { before: string; after: string }>> = {
  apprentices: {
    english_maths_choice: {
      before:
        "case english_maths_choice when 'pursue' then 'employer_requires' when 'not_pursue' then 'not_studying' else english_maths_choice end",
      after: 'english_maths_choice',
    },
    ehc_plan: {
      before: 'ehc_plan',
      after:
        "exists (select 1 from flexibility_judgements j where j.apprentice_id = apprentices.id and j.basis = 'ehc_plan' and j.reference is null)",
    },
  },
};
/** Caches a migration empties because the rules they hold changed (0009); they fill again on use. */
const EMPTIED = ['gateway_status_cache'];

function selected(table: string, columns: string[], side: 'before' | 'after'): string {
  return columns.map((c) => MIGRATED[table]?.[c]?.[side] ?? `"${c}"`).join(', ');
}

/** Each table's rows, hashed over the columns it has now, in rowid order (every table here has a rowid). */
function rowsOf(client: Database.Database): Record<string, { count: number; hash: string; columns: string[] }> {
  const tables = (
    client
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
      .all() as { name: string }[]
  ).map((t) => t.name);
  return Object.fromEntries(
    tables.map((table) => {
      const columns = (client.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map(
        (c) => c.name,
      );
      const rows = client
        .prepare(`select ${selected(table, columns, 'before')} from "${table}" order by rowid`)
        .raw()
        .all();
      return [
        table,
        { count: rows.length, hash: createHash('sha256').update(JSON.stringify(rows)).digest('hex'), columns },
      ];
    }),
  );
}

describe('migrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-migrations-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists every migration in checksums.json, each unchanged since it was frozen', () => {
    expect(manifestProblems(MIGRATIONS_FOLDER)).to.deep.equal([]);
    expect(Object.keys(readManifest(MIGRATIONS_FOLDER))).to.deep.equal(migrationTags(MIGRATIONS_FOLDER));
  });

  it('fails when a frozen migration is edited, removed or left out, and freezes only new ones', () => {
    const copy = path.join(dir, 'migrations');
    fs.cpSync(MIGRATIONS_FOLDER, copy, { recursive: true });
    const [first, second] = migrationTags(copy) as [string, string];
    fs.appendFileSync(path.join(copy, `${second}.sql`), '\n-- an edit after landing\n');
    expect(manifestProblems(copy)).to.deep.equal([
      `${second}.sql has changed since it was frozen: add a new migration instead of editing a landed one`,
    ]);

    const journalFile = path.join(copy, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    journal.entries.push({ ...journal.entries.at(-1)!, tag: '9999_new' });
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    fs.writeFileSync(path.join(copy, '9999_new.sql'), 'create table later (id integer);');
    expect(manifestProblems(copy)).to.include(
      '9999_new is not in checksums.json: run npm run db:freeze once it is final',
    );
    const frozenBefore = readManifest(copy)[second];
    expect(freezeNewMigrations(copy)).to.deep.equal(['9999_new']);
    expect(readManifest(copy)[second], 'a frozen checksum is never rewritten').to.equal(frozenBefore);

    journal.entries = journal.entries.filter((e) => e.tag !== first);
    fs.writeFileSync(journalFile, JSON.stringify(journal));
    expect(manifestProblems(copy)).to.include(
      `${first} is in checksums.json but no longer among the migrations: a landed migration is never removed`,
    );
  });

  it('keeps the evidence store’s id sequence through its rebuild: an erased file’s id is never given again', () => {
    const file = path.join(dir, 'epa.sqlite');
    fs.copyFileSync(LANDED, file);
    const landed = new Database(file);
    // As if the newest rows of each table had been erased: the next ids are well past the rows still there.
    landed
      .prepare(
        "insert into sqlite_sequence (name, seq) select 'evidence_files', 0 where not exists (select 1 from sqlite_sequence where name = 'evidence_files')",
      )
      .run();
    landed.prepare('update sqlite_sequence set seq = seq + 1000').run();
    const sequences = () =>
      Object.fromEntries(
        (
          new Database(file, { readonly: true }).prepare('select name, seq from sqlite_sequence').all() as {
            name: string;
            seq: number;
          }[]
        ).map((r) => [r.name, r.seq]),
      );
    landed.close();
    const before = sequences();
    expect(Object.keys(before)).to.include('evidence_files');
    openDatabase(file).$client.close();
    const after = sequences();
    // The evidence store's table is rebuilt by 0041, which carries its sequence across. (Rebuilds landed
    // before it, of bookings in 0016 and appeals in 0039, did not: a later rebuild must, as 0041 does.)
    expect(after['evidence_files']).to.equal(before['evidence_files']);
  });

  it('upgrades a database made by the last landed commit to the head schema, keeping every row', () => {
    const file = path.join(dir, 'epa.sqlite');
    fs.copyFileSync(LANDED, file);
    const landed = new Database(file, { readonly: true });
    const before = rowsOf(landed);
    const applied = (
      landed.prepare('select hash from __drizzle_migrations order by id').all() as { hash: string }[]
    ).map((r) => r.hash);
    landed.close();
    expect(before.apprentices!.count, 'the fixture holds the demo data').to.be.greaterThan(20);
    expect(applied, 'the landed migrations were applied with the checksums frozen since').to.deep.equal(
      Object.values(readManifest(MIGRATIONS_FOLDER)).slice(0, applied.length),
    );

    const upgraded = openDatabase(file);
    const fresh = openDatabase(':memory:');
    expect(schemaOf(upgraded.$client)).to.deep.equal(schemaOf(fresh.$client));
    const after = rowsOf(upgraded.$client);
    for (const [table, was] of Object.entries(before)) {
      if (table === '__drizzle_migrations') continue;
      expect(after[table], `${table} is still there`).to.not.equal(undefined);
      if (EMPTIED.includes(table)) {
        expect(after[table]!.count, `${table} is emptied`).to.equal(0);
        continue;
      }
      // The columns the table had before hold the same rows; new columns may be added around them.
      const kept = new Database(file, { readonly: true });
      const rows = kept
        .prepare(`select ${selected(table, was.columns, 'after')} from "${table}" order by rowid`)
        .raw()
        .all();
      kept.close();
      expect({
        table,
        count: rows.length,
        hash: createHash('sha256').update(JSON.stringify(rows)).digest('hex'),
      }).to.deep.equal({ table, count: was.count, hash: was.hash });
    }
    upgraded.$client.close();
    fresh.$client.close();
  });
});

import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import express, { type Express } from 'express';
import { create as createHandlebars } from 'express-handlebars';

/*
 * The load bench's baseline: the least an Express 5 + better-sqlite3 + Handlebars page can do.
 * One route reads 50 rows (and the total) from a SQLite table in a WAL file and renders them
 * as a table inside a layout. No sessions, CSRF, helmet or scope: the figure the real
 * dashboard is compared with.
 */

const VIEWS = fileURLToPath(new URL('./bare-views', import.meta.url));
const ROWS = 2000;
const STATUSES = ['Not ready', 'Ready', 'Submitted', 'Accepted', 'Rejected'];

/** Opens (creating and filling if empty) the baseline's database: 2,000 people in one table. */
export function openBareDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`create table if not exists people (
    id integer primary key, reference text not null unique, given_names text not null, family_name text not null,
    organisation text not null, start_date text not null, status text not null)`);
  db.exec('create index if not exists people_name on people (family_name, given_names, id)');
  if ((db.prepare('select count(*) as n from people').get() as { n: number }).n === 0) {
    const insert = db.prepare(
      'insert into people (reference, given_names, family_name, organisation, start_date, status) values (?, ?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (let i = 0; i < ROWS; i++) {
        insert.run(
          String(6_000_000_000 + i),
          `Given${i}`,
          `Family${(i * 7919) % 997}`,
          `Organisation ${i % 40}`,
          `2025-${String((i % 12) + 1).padStart(2, '0')}-01`,
          STATUSES[i % STATUSES.length],
        );
      }
    })();
  }
  return db;
}

export function createBareApp(db: Database.Database): Express {
  const app = express();
  const hbs = createHandlebars({ extname: '.hbs', defaultLayout: 'main', layoutsDir: `${VIEWS}/layouts` });
  app.engine('.hbs', (file, options, callback) => void hbs.engine(file, options, callback));
  app.set('view engine', '.hbs');
  app.set('views', VIEWS);
  const page = db.prepare(
    'select reference, given_names as givenNames, family_name as familyName, organisation, start_date as startDate, status from people order by family_name, given_names, id limit 50',
  );
  const total = db.prepare('select count(*) as n from people');
  app.get('/people', (_req, res) => {
    res.render('people', { title: 'People', rows: page.all(), total: (total.get() as { n: number }).n });
  });
  return app;
}

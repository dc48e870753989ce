import type { Queryable } from './connection.js';

/*
 * drizzle builds a query's SQL from its parts on every run, which on a page of small queries
 * costs more than SQLite's work. A query every request runs (the signed-in user, the apprentice
 * of the page) is built and prepared once per database instead, with placeholders for its values.
 * A transaction runs on the database's one connection, so it gets its own (kept while it lives).
 */
export function preparedOnce<Q>(build: (db: Queryable) => Q): (db: Queryable) => Q {
  const kept = new WeakMap<Queryable, Q>();
  return (db) => {
    let query = kept.get(db);
    if (!query) kept.set(db, (query = build(db)));
    return query;
  };
}

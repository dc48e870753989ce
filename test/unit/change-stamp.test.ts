import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { changeStamp, memoUntilChange } from '../../src/db/change-stamp.js';
import { openDatabase } from '../../src/db/connection.js';
import { providers } from '../../src/db/schema.js';

describe('change stamp and memoUntilChange', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-stamp-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps a value while nothing changes and recomputes after a write by this connection or another', () => {
    const file = path.join(dir, 'epa.sqlite');
    const db = openDatabase(file);
    const memo = memoUntilChange<number>();
    let computed = 0;
    const countProviders = () => memo(db, 'providers', () => (computed++, db.select().from(providers).all().length));

    expect(countProviders()).to.equal(0);
    expect(countProviders()).to.equal(0);
    expect(computed).to.equal(1);

    db.insert(providers).values({ ukprn: '10000001', name: 'One' }).run();
    expect(countProviders()).to.equal(1);
    expect(computed).to.equal(2);

    // Another connection (the command line, say) commits: the stamp moves too.
    const other = new Database(file);
    other.prepare("insert into providers (ukprn, name) values ('10000002', 'Two')").run();
    other.close();
    expect(countProviders()).to.equal(2);
    expect(computed).to.equal(3);
    expect(changeStamp(db)).to.equal(changeStamp(db));
    db.$client.close();
  });
  it('reads again after a commit by another connection made while the value was being read', () => {
    const file = path.join(dir, 'epa.sqlite');
    const db = openDatabase(file);
    const other = new Database(file);
    const memo = memoUntilChange<number>();
    let first = true;
    const countProviders = () =>
      memo(db, 'providers', () => {
        const n = db.select().from(providers).all().length;
        // A worker thread's connection commits between the read and the value being kept.
        if (first) other.prepare("insert into providers (ukprn, name) values ('10000002', 'Two')").run();
        first = false;
        return n;
      });
    expect(countProviders()).to.equal(0);
    expect(countProviders()).to.equal(1);
    other.close();
    db.$client.close();
  });
});

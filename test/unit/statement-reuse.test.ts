import { expect } from 'chai';
import { eq, sql } from 'drizzle-orm';
import { openDatabase } from '../../src/db/connection.js';
import { standardVersions } from '../../src/db/schema.js';
import { loadCatalogue } from '../../src/catalogue/load.js';

/*
 * drizzle's statements are compiled once per SQL text and handed out again (src/db/connection.ts).
 * The same text read as arrays and as objects, in either order, must give each its own shape;
 * values are bound afresh on every run; writes, reads and transactions see each other.
 */
describe('reused statements', () => {
  it('give objects or arrays as each caller asks, whatever the previous caller asked', () => {
    const db = openDatabase(':memory:');
    const query = sql`select 1 as one, 'two' as two`;
    expect(db.values(query)).to.deep.equal([[1, 'two']]);
    expect(db.all(query)).to.deep.equal([{ one: 1, two: 'two' }]);
    expect(db.get(query)).to.deep.equal({ one: 1, two: 'two' });
    expect(db.values(query)).to.deep.equal([[1, 'two']]);
    expect(db.all(query)).to.deep.equal([{ one: 1, two: 'two' }]);
    db.$client.close();
  });

  it('bind each run’s own values, and see writes made in between and rolled back', () => {
    const db = openDatabase(':memory:');
    loadCatalogue(db);
    const titleOf = (reference: string) =>
      db
        .select({ title: standardVersions.title })
        .from(standardVersions)
        .where(eq(standardVersions.reference, reference))
        .get()?.title;
    expect(titleOf('ST0815')).to.equal('Trade union official');
    expect(titleOf('ST9999')).to.equal(undefined);
    db.update(standardVersions).set({ title: 'Renamed' }).where(eq(standardVersions.reference, 'ST0815')).run();
    expect(titleOf('ST0815')).to.equal('Renamed');
    expect(() =>
      db.transaction((tx) => {
        tx.update(standardVersions).set({ title: 'Not kept' }).where(eq(standardVersions.reference, 'ST0815')).run();
        expect(titleOf('ST0815')).to.equal('Not kept');
        throw new Error('roll back');
      }),
    ).to.throw('roll back');
    expect(titleOf('ST0815')).to.equal('Renamed');
    db.$client.close();
  });
});

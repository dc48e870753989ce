import { expect } from 'chai';
import { isNull } from 'drizzle-orm';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { serviceClient } from '../../src/certificates/client.js';
import { sendToService } from '../../src/certificates/sending.js';
import { openDatabase } from '../../src/db/connection.js';
import { apprentices } from '../../src/db/schema.js';
import { todayInLondon } from '../../src/dates.js';
import { loadDemoData } from '../../src/demo/index.js';
import { epaoSettingsOf } from '../../src/grading/store.js';
import { isReady, unclaimedClaims } from '../../src/outcomes/claims.js';
import { TEST_CONFIG } from '../support/app.js';
import { FakeApprenticeshipService } from '../support/apprenticeship-service.js';
import { now } from '../support/clock.js';

/*
 * The demo's results, sent as a user of the demo would send them: every claim and EPA outcome the
 * demo makes ready goes through the real client to the fake apprenticeship service, whose
 * learner records are the demo's apprentices, and it takes every one.
 */
describe('the demo’s claims, as the apprenticeship service takes them', () => {
  it('are all taken: certificates created and submitted, outcomes recorded, none refused', async () => {
    const db = openDatabase(':memory:');
    loadCatalogue(db);
    await loadDemoData(db, now(), TEST_CONFIG.passwordHashCost);
    const settings = epaoSettingsOf(db);
    const ready = unclaimedClaims(db, todayInLondon(now()), settings).filter(isReady);
    expect(ready.length, 'the demo makes some claims ready').to.be.greaterThan(0);

    const service = new FakeApprenticeshipService(() => todayInLondon(now()));
    for (const a of db.select().from(apprentices).where(isNull(apprentices.erasedAt)).all())
      service.learners.push({
        uln: Number(a.uln),
        familyName: a.familyName,
        standardCode: 569,
        standardReference: 'ST0815',
        version: '1.0',
      });
    service.approvals.set(10_000_528, new Map([[569, ['1.0']]]));
    service.keys.set('demo-key', 10_000_528);
    const url = await service.start();
    try {
      const client = serviceClient({ url, key: 'demo-key', sleep: () => Promise.resolve() });
      const outcome = await sendToService(db, client, SYSTEM_ACTOR, now(), settings);
      expect(outcome).to.deep.equal({ sent: ready.length, refused: 0, failures: [] });
      expect(unclaimedClaims(db, todayInLondon(now()), settings).filter(isReady)).to.deep.equal([]);
    } finally {
      await service.stop();
    }
  });
});

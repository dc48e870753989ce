import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ACTION_WORDS, actionWords, auditSentence } from '../../src/audit/rules.js';
import { BOOKING_TRANSITIONS } from '../../src/bookings/rules.js';
import { APPEAL_DECISIONS, ATTEMPT_KINDS } from '../../src/db/vocabulary.js';
import { DECLARATION_PARTS } from '../../src/apprentices/schema.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

describe('audit log words', () => {
  it('has words for every action the code records', () => {
    const written = new Set<string>();
    for (const file of sources(path.resolve('src')))
      for (const m of readFileSync(file, 'utf8').matchAll(
        /action: (?:[^,\n]*\? )?'([a-z_]+\.[a-z_]+)'(?: : '([a-z_]+\.[a-z_]+)')?/g,
      ))
        for (const action of [m[1], m[2]]) if (action) written.add(action);
    // Actions built from a vocabulary: each of its values.
    for (const t of Object.values(BOOKING_TRANSITIONS)) written.add(`booking.${t.to}`);
    for (const d of APPEAL_DECISIONS) written.add(`appeal.${d}`);
    for (const k of ATTEMPT_KINDS) written.add(`attempt.${k}_started`);
    for (const p of DECLARATION_PARTS) written.add(`gateway_declaration.${p}_confirmed`);
    for (const d of ['agreed', 'declined']) written.add(`further_attempt.${d}`);
    for (const d of ['agreed', 'changed']) written.add(`grading.moderation_${d}`);
    for (const o of ['accepted', 'rejected']) written.add(`gateway.${o}`);
    for (const k of ['provider', 'employer']) written.add(`${k}.added`);
    expect(written.size).to.be.greaterThan(60);
    expect([...written].filter((a) => !(a in ACTION_WORDS)).sort()).to.deep.equal([]);
  });

  it('reads an action it does not know in its own words, and names a person acting on their own account once', () => {
    expect(actionWords('widget.polished')).to.equal('recorded “widget polished”');
    // A name every object has is not a known action.
    expect(actionWords('constructor')).to.equal('recorded “constructor”');
    const self = { text: 'Gareth Pryce', detail: null, href: '/admin/users/2' };
    expect(auditSentence('Gareth Pryce', 'user.password_changed', self, null).text).to.equal(
      'Gareth Pryce changed the password',
    );
    expect(auditSentence('Amira Okafor', 'user.disabled', self, 'Left the organisation').text).to.equal(
      'Amira Okafor disabled the account for Gareth Pryce: Left the organisation',
    );
    expect(auditSentence('system', 'settings.saved', { text: null, detail: null, href: null }, null).text).to.equal(
      'system saved the settings',
    );
  });
});

describe('CSV import header', () => {
  it('reads a column named like an object’s own property as an unknown column, with a message', async () => {
    const { parseApprenticeCsv, CSV_TEMPLATE } = await import('../../src/apprentices/import.js');
    const header = `${CSV_TEMPLATE.split('\n')[0]!},constructor`;
    const { problems } = parseApprenticeCsv(`${header}\n${CSV_TEMPLATE.split('\n')[1]!},x\n`);
    expect(problems).to.have.length(1);
    expect(problems[0]!.path).to.equal('(header)');
    expect(problems[0]!.message).to.be.a('string').and.to.contain('constructor');
  });
});

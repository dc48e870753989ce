import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { and, asc, eq } from 'drizzle-orm';
import { fromNational, type CatalogueVersion } from '../../src/catalogue/national.js';
import { importCatalogue } from '../../src/catalogue/import.js';
import { runAdminCommand } from '../../src/cli/admin-commands.js';
import { auditEvents, ksbs, optionKsbs, standardOptions, standardVersions } from '../../src/db/schema.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { addApprentices, findApprenticeByUln, updateApprentice } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { apprenticeInput } from '../support/apprentices.js';
import { recordApproval } from '../../src/standards/store.js';
import { testDb, TEST_CONFIG, type TestContext } from '../support/app.js';
import { now } from '../support/clock.js';

/*
 * The national catalogue's standards file (test/fixtures/catalogue/standards.json): ST0815 1.0 in
 * the national shape, its words those of fixtures/standards/ST0815-1.0.json (its ids made up, as
 * our sources do not give the published ones), and versions whose words are test data: one with
 * core and options, one in two versions whose KSBs differ, one still in development, and one
 * whose duty maps a KSB it does not list.
 */
const FILE = 'test/fixtures/catalogue/standards.json';
const elements = () => JSON.parse(fs.readFileSync(FILE, 'utf8')) as Record<string, unknown>[];
const mapped = (element: unknown): CatalogueVersion => {
  const result = fromNational(element);
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.version;
};

type Db = TestContext['db'];

async function cli(db: Db, file: string, standardsUrl: string | null = null) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdminCommand(db, ['import-standards', file], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readPassword: () => Promise.resolve(''),
    hashCost: TEST_CONFIG.passwordHashCost,
    now,
    standardsUrl,
  });
  return { code, out, err };
}

const fromText = (db: Db, text: string) => importCatalogue(db, Readable.from([text]), SYSTEM_ACTOR);

/** A copy of the file with `change` applied to its elements, written to a temporary file. */
function changedFile(change: (all: Record<string, unknown>[]) => void): string {
  const all = elements();
  change(all);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'catalogue-')), 'standards.json');
  fs.writeFileSync(file, JSON.stringify(all));
  return file;
}

function versionId(db: Db, reference: string, version: string): number {
  return db
    .select({ id: standardVersions.id })
    .from(standardVersions)
    .where(and(eq(standardVersions.reference, reference), eq(standardVersions.version, version)))
    .get()!.id;
}

/** Records that the organisation is approved to assess the version (versions the catalogue adds are not, at first). */
function approve(db: Db, reference: string, version: string): void {
  recordApproval(
    db,
    versionId(db, reference, version),
    { approved: true, source: 'Register, test' },
    SYSTEM_ACTOR,
    now().toISO(),
  );
}

function ksbsOf(db: Db, reference: string, version: string) {
  return db
    .select({ code: ksbs.code, text: ksbs.text })
    .from(ksbs)
    .where(eq(ksbs.standardVersionId, versionId(db, reference, version)))
    .orderBy(asc(ksbs.position))
    .all();
}

function optionsOf(db: Db, reference: string, version: string) {
  const options = db
    .select()
    .from(standardOptions)
    .where(eq(standardOptions.standardVersionId, versionId(db, reference, version)))
    .orderBy(asc(standardOptions.position))
    .all();
  return options.map((o) => ({
    title: o.title,
    ksbs: db
      .select({ code: ksbs.code })
      .from(optionKsbs)
      .innerJoin(ksbs, eq(ksbs.id, optionKsbs.ksbId))
      .where(eq(optionKsbs.optionId, o.id))
      .orderBy(asc(ksbs.position))
      .all()
      .map((k) => k.code),
  }));
}

describe('the national catalogue: reading one version', () => {
  it('codes each KSB by its place in its own list, as the apprenticeship service does', () => {
    const v = mapped(elements()[1]);
    expect(v.ksbs.map((k) => k.code)).to.deep.equal(['K1', 'K2', 'K3', 'K4', 'S1', 'S2', 'S3', 'B1', 'B2']);
    expect(v.ksbs[0]!.publishedId).to.equal((elements()[1]!.knowledges as { knowledgeId: string }[])[0]!.knowledgeId);
    expect(v.duties.map((d) => [d.number, d.core, d.ksbs])).to.deep.equal([
      [1, true, ['K1', 'K4', 'S1', 'B1', 'B2']],
      [2, false, ['K2', 'S2']],
      [3, false, ['K3', 'S3']],
    ]);
  });

  it('gives each option the core duties’ KSBs and those of the duties mapped to it', () => {
    expect(mapped(elements()[1]).options.map((o) => [o.title, o.ksbs])).to.deep.equal([
      ['Road vehicles', ['K1', 'K2', 'K4', 'S1', 'S2', 'B1', 'B2']],
      ['Rail vehicles', ['K1', 'K3', 'K4', 'S1', 'S3', 'B1', 'B2']],
    ]);
    // Without duties, every option has every KSB; without coreAndOptions, there are no options.
    const noDuties = { ...elements()[1], duties: [] };
    expect(mapped(noDuties).options.map((o) => o.ksbs.length)).to.deep.equal([9, 9]);
    expect(mapped({ ...elements()[1], coreAndOptions: false }).options).to.deep.equal([]);
  });

  it('reads ST0815 1.0 with the same KSBs and duties as the published standard the platform holds', () => {
    const fixture = JSON.parse(fs.readFileSync('fixtures/standards/ST0815-1.0.json', 'utf8')) as {
      ksbs: { code: string; text: string }[];
      duties: { number: number; text: string; ksbs: string[] }[];
      overview: string;
    };
    const v = mapped(elements()[0]);
    expect(v.ksbs.map(({ code, text }) => ({ code, text }))).to.deep.equal(fixture.ksbs);
    expect(v.duties.map(({ number, text, ksbs }) => ({ number, text, ksbs }))).to.deep.equal(
      fixture.duties.map(({ number, text, ksbs }) => ({ number, text, ksbs })),
    );
    // The catalogue's overview is HTML; the platform keeps its text.
    expect(v.overview).to.equal(fixture.overview);
  });

  it('skips a version not yet approved, and refuses one whose duty maps a KSB it does not list', () => {
    expect(fromNational(elements()[4])).to.deep.equal({
      ok: false,
      skipped: 'In development: not yet approved for delivery',
    });
    const broken = fromNational(elements()[5]);
    expect(broken.ok).to.equal(false);
    expect(JSON.stringify(broken)).to.contain(
      'Duty 1 maps 99040000-0000-4000-8000-00000000dead, which is no KSB of this version',
    );
    expect(fromNational({ referenceNumber: 'ST0001' }).ok).to.equal(false);
  });
});

describe('the national catalogue: importing the file', () => {
  it('adds new versions, keeps one assessments use, skips and refuses, and says so (npm run admin -- import-standards)', async () => {
    const { db } = await testDb();
    const before = ksbsOf(db, 'ST0815', '1.0');
    const res = await cli(db, FILE);
    expect(res.code, 'a refused version makes the command fail').to.equal(1);
    expect(res.out[0]).to.equal(
      'Added 3 versions, changed 1, unchanged 0; kept in part because assessments use them 0; not yet approved 1; refused 1.',
    );
    expect(res.out).to.include('Added: ST9901/1.0, ST9902/1.0, ST9902/1.1');
    // ST0815 1.0 is used by the demo plan: its KSBs and duties are the catalogue's word for word, so
    // only its own facts change, to what the catalogue gives (the start date it was first open to).
    expect(res.out).to.include('Changed ST0815/1.0: regulated: null → false; earliestStartDate: null → 2020-06-23');
    expect(res.out.find((l) => l.startsWith('Refused element 6 (ST9904/1.0)'))).to.contain(
      'which is no KSB of this version',
    );
    expect(ksbsOf(db, 'ST0815', '1.0')).to.deep.equal(before);
    // All or nothing per version: nothing of the refused one, nothing of the one in development.
    for (const reference of ['ST9903', 'ST9904'])
      expect(db.select().from(standardVersions).where(eq(standardVersions.reference, reference)).all()).to.deep.equal(
        [],
      );
    expect(optionsOf(db, 'ST9901', '1.0')).to.deep.equal([
      { title: 'Road vehicles', ksbs: ['K1', 'K2', 'K4', 'S1', 'S2', 'B1', 'B2'] },
      { title: 'Rail vehicles', ksbs: ['K1', 'K3', 'K4', 'S1', 'S3', 'B1', 'B2'] },
    ]);
    // Two versions, each with its own KSBs: K2 of 1.0 is not K2 of 1.1, and K3 is 1.1's alone.
    expect(ksbsOf(db, 'ST9902', '1.0').map((k) => k.code)).to.deep.equal(['K1', 'K2', 'S1', 'B1']);
    expect(ksbsOf(db, 'ST9902', '1.1').find((k) => k.code === 'K2')!.text).to.equal(
      'Knowledge two, revised in 1.1 (test data)',
    );
    expect(ksbsOf(db, 'ST9902', '1.1').map((k) => k.code)).to.include('K3');
    const window = db
      .select()
      .from(standardVersions)
      .where(eq(standardVersions.id, versionId(db, 'ST9902', '1.0')))
      .get()!;
    expect([window.earliestStartDate, window.latestStartDate, window.status]).to.deep.equal([
      '2021-01-04',
      '2023-12-31',
      'Retired',
    ]);

    // The same file again changes nothing.
    const again = await cli(db, FILE);
    expect(again.out[0]).to.equal(
      'Added 0 versions, changed 0, unchanged 4; kept in part because assessments use them 0; not yet approved 1; refused 1.',
    );
  });

  it('rewrites a version nobody uses when the catalogue changes it, audited, and keeps one an apprentice is on', async () => {
    const { db } = await testDb();
    await cli(db, FILE);
    const ksbTexts = (all: Record<string, unknown>[], index: number) => all[index]!.knowledges as { detail: string }[];
    const changed = changedFile((all) => {
      ksbTexts(all, 3)[1]!.detail = 'Knowledge two, corrected (test data)';
      ksbTexts(all, 2)[0]!.detail = 'Knowledge one, corrected (test data)';
      Object.assign(all[2]!, { maxFunding: 15000, latestEndDate: '2024-06-30' });
    });
    // An apprentice is on ST9902 1.0, so its published text stays as it was assessed against.
    approve(db, 'ST9902', '1.0');
    const [uln] = validUlns(1, 595_000_000);
    const added = addApprentices(
      db,
      [
        {
          line: 1,
          input: {
            ...apprenticeInput(uln!, 'Version', 'User'),
            standardReference: 'ST9902',
            standardVersion: '1.0',
            startDate: '2022-01-10',
            plannedEndDate: '2024-01-10',
            dateOfBirth: '1990-01-01',
          },
        },
      ],
      SYSTEM_ACTOR,
      'test',
    );
    expect(added.ok, JSON.stringify(added)).to.equal(true);
    const res = await cli(db, changed);
    expect(res.out).to.include("Changed ST9902/1.1: K2's text");
    // ST9902 1.0 is in use: its own facts follow the catalogue, its KSBs do not.
    expect(res.out).to.include('Changed ST9902/1.0: maxFundingPounds: 12000 → 15000; latestEndDate: null → 2024-06-30');
    expect(res.out).to.include(
      "Kept ST9902/1.0's KSBs, duties and options as they were (assessments use them); the catalogue differs: K1's text",
    );
    const facts = db
      .select()
      .from(standardVersions)
      .where(eq(standardVersions.id, versionId(db, 'ST9902', '1.0')))
      .get()!;
    expect([facts.maxFundingPounds, facts.latestEndDate]).to.deep.equal([15000, '2024-06-30']);
    expect(ksbsOf(db, 'ST9902', '1.1')[1]!.text).to.equal('Knowledge two, corrected (test data)');
    expect(ksbsOf(db, 'ST9902', '1.0')[0]!.text).to.equal('Knowledge one (test data)');
    const audit = db.select().from(auditEvents).where(eq(auditEvents.action, 'standard.updated_from_catalogue')).all();
    expect(audit.map((a) => [a.entityId, a.after])).to.deep.equal([
      ['ST0815/1.0', { differences: ['regulated: null → false', 'earliestStartDate: null → 2020-06-23'] }],
      ['ST9902/1.0', { differences: ['maxFundingPounds: 12000 → 15000', 'latestEndDate: null → 2024-06-30'] }],
      ['ST9902/1.1', { differences: ["K2's text"] }],
    ]);
  });

  it('says what is wrong with a file that is not a JSON array, keeping the versions read before a fault', async () => {
    const { db } = await testDb();
    // A path that cannot be read (a folder) is the file's fault, said plainly, never a crash.
    const folder = await cli(db, 'test/fixtures/catalogue');
    expect(folder.code).to.equal(1);
    expect(folder.out.at(-1)).to.match(/^The file could not be read as a JSON array of standard versions: EISDIR/);
    const notArray = await fromText(db, '{"referenceNumber": "ST9901"}');
    expect(notArray.fault).to.match(/^The file could not be read as a JSON array of standard versions: /);
    const text = fs.readFileSync(FILE, 'utf8');
    // Cut off inside the third element: what was read before the fault is written (each version
    // whole) and listed; nothing after it is.
    const cut = text.slice(0, text.indexOf('"ST9902"') + 20);
    const partial = await fromText(db, cut);
    expect(partial.fault).to.match(/^The file could not be read as a JSON array of standard versions: /);
    for (const version of partial.added) {
      const [reference, number] = version.split('/');
      expect(versionId(db, reference!, number!), version).to.be.a('number');
    }
    expect(db.select().from(standardVersions).where(eq(standardVersions.reference, 'ST9902')).all()).to.deep.equal([]);
  });

  it('puts each apprentice on a version the organisation is approved for, whose start-date window holds their start date (both ends included)', async () => {
    const { db } = await testDb();
    await cli(db, FILE);
    const ulns = validUlns(6, 596_000_000);
    const add = (i: number, version: string, startDate: string) =>
      addApprentices(
        db,
        [
          {
            line: 1,
            input: {
              ...apprenticeInput(ulns[i]!, 'Window', `Case${i}`),
              standardReference: 'ST9902',
              standardVersion: version,
              startDate,
              plannedEndDate: '2026-06-30',
              dateOfBirth: '1990-01-01',
            },
          },
        ],
        SYSTEM_ACTOR,
        'test',
      );
    // Versions the catalogue adds are not ours until an administrator records the approval.
    expect(add(0, '1.0', '2023-12-31')).to.deep.equal({
      ok: false,
      problems: [
        {
          line: 1,
          path: 'standardVersion',
          message:
            'This organisation is not approved to assess ST9902 version 1.0: an administrator records the approval on the standard’s page',
        },
      ],
    });
    approve(db, 'ST9902', '1.0');
    approve(db, 'ST9902', '1.1');
    // 1.0 runs to 31 December 2023; 1.1 from 1 January 2024.
    expect(add(0, '1.0', '2023-12-31').ok).to.equal(true);
    expect(add(1, '1.1', '2024-01-01').ok).to.equal(true);
    expect(add(2, '1.0', '2024-01-01')).to.deep.equal({
      ok: false,
      problems: [
        {
          line: 1,
          path: 'standardVersion',
          message:
            'ST9902 version 1.0 takes apprentices who start on or before 31 Dec 2023; one who starts on 1 Jan 2024 is on a later version',
        },
      ],
    });
    expect(add(3, '1.1', '2023-12-31')).to.deep.equal({
      ok: false,
      problems: [
        {
          line: 1,
          path: 'standardVersion',
          message:
            'ST9902 version 1.1 takes apprentices who start on or after 1 Jan 2024; one who starts on 31 Dec 2023 is on an earlier version',
        },
      ],
    });
    // 1.0's window opens on 4 January 2021.
    expect(add(4, '1.0', '2021-01-03').ok).to.equal(false);
    expect(add(5, '1.0', '2021-01-04').ok).to.equal(true);
    // Should the window later close before a start already recorded, the record can still be
    // corrected (a name, say); a new start outside it is still refused.
    db.update(standardVersions)
      .set({ earliestStartDate: '2021-06-01' })
      .where(eq(standardVersions.id, versionId(db, 'ST9902', '1.0')))
      .run();
    const held = findApprenticeByUln(db, ulns[5]!)!;
    const input = {
      ...apprenticeInput(ulns[5]!, 'Window', 'Corrected'),
      standardReference: 'ST9902',
      standardVersion: '1.0',
      startDate: '2021-01-04',
      plannedEndDate: '2026-06-30',
      dateOfBirth: '1990-01-01',
    };
    expect(updateApprentice(db, held.id, input, SYSTEM_ACTOR, 'Name corrected')).to.deep.equal({ ok: true });
    expect(
      updateApprentice(db, held.id, { ...input, startDate: '2021-01-05' }, SYSTEM_ACTOR, 'Start corrected').ok,
    ).to.equal(false);
  });

  it('downloads the file from STANDARDS_URL with --fetch, reading it as it arrives', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/standards.json')
        fs.createReadStream(FILE).pipe(res.writeHead(200, { 'content-type': 'application/json' }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const { db } = await testDb();
      const fetched = await cli(db, '--fetch', `${base}/standards.json`);
      expect(fetched.out).to.include('Added: ST9901/1.0, ST9902/1.0, ST9902/1.1');
      const missing = await cli(db, '--fetch', `${base}/moved.json`);
      expect(missing.code).to.equal(1);
      expect(missing.err).to.deep.equal([`${base}/moved.json answered 404 Not Found`]);
      const unset = await cli(db, '--fetch');
      expect(unset.code).to.equal(1);
      expect(unset.err[0]).to.match(/^Set STANDARDS_URL/);
    } finally {
      server.close();
    }
  });
});

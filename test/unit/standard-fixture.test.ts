import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { checkStandard, dutyKsbMatrix } from '../../src/standards/rules.js';
import { standardFileSchema } from '../../src/standards/schema.js';

// The standard as published, kept in the repository (see test/fixtures/published/README.md).
const SEED = path.join('test', 'fixtures', 'published', 'ST0815-1.0-standard.txt');
const seed = fs.readFileSync(SEED, 'utf8');
const std = standardFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/standards/ST0815-1.0.json', 'utf8')));

/** The seed prints each KSB as "K9: text Back to Duty". */
function seedKsbText(code: string): string {
  const match = new RegExp(`^${code}: (.*?) Back to Duty$`, 'm').exec(seed);
  if (!match) throw new Error(`${code} is not in the seed`);
  return match[1]!;
}

describe('ST0815 v1.0 fixture against the published standard', () => {
  it('holds the published facts', () => {
    expect(std).to.include({
      reference: 'ST0815',
      version: '1.0',
      title: 'Trade union official',
      level: 4,
      larsCode: 569,
      typicalDurationMonths: 18,
      maxFundingPounds: 5000,
      route: 'Business and administration',
      eqaProvider: 'Ofqual',
    });
  });

  it('has all 14 duties and K1–K14, S1–S17, B1–B7', () => {
    expect(std.duties.map((d) => d.number)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const expected = [
      ...Array.from({ length: 14 }, (_, i) => `K${i + 1}`),
      ...Array.from({ length: 17 }, (_, i) => `S${i + 1}`),
      ...Array.from({ length: 7 }, (_, i) => `B${i + 1}`),
    ];
    expect(std.ksbs.map((k) => k.code)).to.deep.equal(expected);
    expect(checkStandard(std)).to.deep.equal([]);
  });

  it('has every KSB word for word as published', () => {
    for (const ksb of std.ksbs) expect(ksb.text, ksb.code).to.equal(seedKsbText(ksb.code));
    expect(std.ksbs.find((k) => k.code === 'K9')!.text).to.contain('ACAS codes of practice');
  });

  it('has every duty word for word, with the KSBs it lists', () => {
    for (const duty of std.duties) {
      expect(seed, `duty ${duty.number}`).to.contain(`Duty ${duty.number} ${duty.title}: ${duty.text}`);
      if (duty.criteria) expect(seed).to.contain(duty.criteria);
    }
    const duty14 = std.duties.find((d) => d.number === 14)!;
    expect(duty14.text).to.contain('negotiating learning agreements with employers');
    expect(duty14.ksbs).to.deep.equal(['K2', 'K10', 'S2', 'S10', 'B1', 'B2', 'B3', 'B7']);
    expect(std.duties.find((d) => d.number === 12)!.ksbs).to.deep.equal(['B1', 'B2', 'B3', 'B4', 'B5', 'B6']);
  });

  it('leaves K11–K14 and S15–S17 unreferenced by any duty, as published', () => {
    const unreferenced = dutyKsbMatrix(std)
      .rows.filter((r) => r.unreferenced)
      .map((r) => r.code);
    expect(unreferenced).to.deep.equal(['K11', 'K12', 'K13', 'K14', 'S15', 'S16', 'S17']);
  });
});

describe('standard checks', () => {
  it('reports a duty that refers to an unknown KSB and duplicate codes', () => {
    const broken = structuredClone(std);
    broken.duties[0]!.ksbs.push('K40');
    broken.ksbs.push({ code: 'B7', text: 'again' });
    expect(checkStandard(broken)).to.deep.equal([
      { path: 'ksbs[38].code', message: 'Duplicate KSB code "B7"' },
      { path: `duties[0].ksbs[${broken.duties[0]!.ksbs.length - 1}]`, message: 'Duty 1 refers to unknown KSB "K40"' },
    ]);
  });
});

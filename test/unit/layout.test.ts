import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';

/*
 * The shape of src/ (README, "How the code is laid out"), checked so that it stays: imports run
 * from the faces of a feature down to its stores and rules, and from features down to the shared
 * layers, never back up.
 */
const SRC = 'src';
/** Folders that are not features: the shared layers and the start-up code. */
const SHARED = ['api', 'catalogue', 'cli', 'db', 'demo', 'http', 'ops', 'validation', 'views'];

const folders = fs.readdirSync(SRC).filter((name) => fs.statSync(path.join(SRC, name)).isDirectory());
const features = folders.filter((name) => !SHARED.includes(name));

/** Every relative import of every .ts file in a folder, as [file, the src/ folder it reaches (or '' for a top-level file)]. */
function importsOf(folder: string): { file: string; target: string }[] {
  const found: { file: string; target: string }[] = [];
  for (const name of fs.readdirSync(path.join(SRC, folder)).filter((f) => f.endsWith('.ts'))) {
    const file = path.join(SRC, folder, name);
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const resolved = path.relative(SRC, path.resolve(path.dirname(file), match[1]!));
      const [first, ...rest] = resolved.split(path.sep);
      found.push({ file, target: rest.length > 0 ? first! : '' });
    }
  }
  return found;
}

describe('the layout of src/', () => {
  it('has the features it is expected to have', () => {
    expect(features).to.include.members([
      'apprentices',
      'bookings',
      'gateway',
      'grading',
      'outcomes',
      'plans',
      'standards',
    ]);
  });

  it('keeps src/db free of features', () => {
    const upward = importsOf('db').filter((i) => i.target !== '' && i.target !== 'db');
    expect(upward.map((i) => `${i.file} imports src/${i.target}`)).to.deep.equal([]);
  });

  it('keeps src/http free of features', () => {
    const upward = importsOf('http').filter((i) => features.includes(i.target));
    expect(upward.map((i) => `${i.file} imports src/${i.target}`)).to.deep.equal([]);
  });

  it('lets no feature import the API shell', () => {
    const shell = features.flatMap((f) => importsOf(f)).filter((i) => i.target === 'api');
    expect(shell.map((i) => `${i.file} imports src/api`)).to.deep.equal([]);
  });

  it('gives every feature with pages and an API a service that both call', () => {
    const missing: string[] = [];
    for (const feature of features) {
      const files = fs.readdirSync(path.join(SRC, feature));
      const hasPages = files.some((f) => f === 'pages.ts' || f.endsWith('-pages.ts'));
      if (!hasPages || !files.includes('api.ts')) continue;
      if (!files.includes('service.ts')) missing.push(`${feature}: no service.ts`);
      const api = fs.readFileSync(path.join(SRC, feature, 'api.ts'), 'utf8');
      if (!api.includes("from './service.js'")) missing.push(`${feature}: api.ts does not use its service`);
    }
    expect(missing).to.deep.equal([]);
  });

  it('has no routes.ts left: page routes are in pages.ts, JSON routes in api.ts', () => {
    const left = features.filter((f) => fs.existsSync(path.join(SRC, f, 'routes.ts')));
    expect(left).to.deep.equal([]);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SYSTEM_ACTOR } from '../src/audit/audit.js';
import { importCatalogue } from '../src/catalogue/import.js';
import { openDatabase } from '../src/db/connection.js';
import { DEMO_PASSWORD } from '../src/demo/index.js';
import { benchAdmin, signInCookie } from './gateway.js';
import { startServer, whileSampling } from './load-process.js';

const VERSIONS = 2000;
const words = (n: number, seed: number) =>
  Array.from(
    { length: n },
    (_, i) => ['apply', 'safe', 'systems', 'customer', 'quality', 'data', 'team', 'plan'][(i + seed) % 8],
  ).join(' ');

/** One generated version in the national file's shape (about 40 KB, like a real one with its KSBs and duties). */
function version(i: number) {
  const reference = `ST${String(1000 + Math.floor(i / 2)).padStart(4, '0')}`;
  const id = (kind: string, n: number) => `${reference}-${i % 2}-${kind}-${n}`;
  const list = (kind: string, key: string, count: number) =>
    Array.from({ length: count }, (_, n) => ({ [key]: id(kind, n), detail: `${kind}${n + 1}: ${words(80, n + i)}` }));
  const knowledges = list('k', 'knowledgeId', 25);
  const skills = list('s', 'skillId', 25);
  const behaviours = list('b', 'behaviourId', 10);
  const withOptions = i % 5 === 0;
  const options = withOptions ? [0, 1, 2].map((n) => ({ optionId: id('o', n), title: `Option ${n + 1}` })) : [];
  const duties = Array.from({ length: 14 }, (_, n) => ({
    dutyID: id('d', n),
    dutyDetail: `Duty ${n + 1}: ${words(30, n)}`,
    isThisACoreDuty: withOptions && n >= 11 ? 0 : 1,
    mappedKnowledge: [0, 1, 2, 3].map((k) => id('k', (n * 2 + k) % 25)),
    mappedSkills: [0, 1, 2].map((k) => id('s', (n * 2 + k) % 25)),
    mappedBehaviour: [id('b', n % 10)],
    mappedOptions: withOptions && n >= 11 ? [id('o', n - 11)] : [],
  }));
  return {
    referenceNumber: reference,
    version: i % 2 ? '1.1' : '1.0',
    title: `Generated standard ${reference}`,
    level: 2 + (i % 6),
    status: i % 2 ? 'Approved for delivery' : 'Retired',
    larsCode: 1000 + i,
    route: 'Engineering and manufacturing',
    typicalDuration: 24,
    maxFunding: 15000,
    overviewOfRole: `<p>${words(60, i)}</p>`,
    typicalJobTitles: ['Technician'],
    eQAProvider: { providerName: 'Ofqual' },
    regulated: false,
    assessmentPlanUrl: null,
    approvedForDelivery: '2021-01-04',
    lastUpdated: '2024-01-01',
    earliestStartDate: i % 2 ? '2024-01-01' : '2021-01-04',
    latestStartDate: i % 2 ? null : '2023-12-31',
    latestEndDate: null,
    coreAndOptions: withOptions,
    knowledges,
    skills,
    behaviours,
    duties,
    options,
  };
}

/** Writes the generated file to disk a version at a time (the bench holds none of it). */
async function writeFile(file: string): Promise<number> {
  const out = fs.createWriteStream(file);
  const write = (text: string) =>
    new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', () => resolve())));
  await write('[');
  for (let i = 0; i < VERSIONS; i++) await write(`${i ? ',' : ''}\n${JSON.stringify(version(i))}`);
  await write('\n]\n');
  await new Promise<void>((resolve) => out.end(resolve));
  return fs.statSync(file).size;
}

/** The national catalogue's import: 2,000 versions from a file of about 80 MB, read as a stream. */
export async function runCatalogueBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-catalogue-bench-'));
  try {
    const file = path.join(dir, 'standards.json');
    const bytes = await writeFile(file);
    const db = openDatabase(path.join(dir, 'catalogue.sqlite'));
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const summary = await importCatalogue(db, fs.createReadStream(file), SYSTEM_ACTOR);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    if (summary.added.length !== VERSIONS || summary.fault)
      throw new Error(`bench import: ${JSON.stringify(summary).slice(0, 300)}`);
    const againStarted = performance.now();
    const again = await importCatalogue(db, fs.createReadStream(file), SYSTEM_ACTOR);
    const againSeconds = (performance.now() - againStarted) / 1000;
    db.$client.close();
    console.log('National catalogue import (generated file in the national shape)');
    console.log(
      `  ${VERSIONS} versions, ${(bytes / 2 ** 20).toFixed(0)} MB: ${seconds.toFixed(1)} s (target under 30 s); memory rose ${((peak - before) / 2 ** 20).toFixed(0)} MB (target under 300 MB)`,
    );
    console.log(`  The same file again (every version unchanged, ${again.unchanged}): ${againSeconds.toFixed(1)} s`);
    await benchPageUpload(dir, file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same file uploaded on the Standards page by an administrator, to the real app (compiled, in
 * a process of its own): the upload goes to disk and is imported from there as a stream. Its
 * time, from the first byte sent to the answer, and the server's memory rise while it works.
 */
async function benchPageUpload(dir: string, file: string): Promise<void> {
  const databaseFile = path.join(dir, 'page-upload.sqlite');
  const db = openDatabase(databaseFile);
  const email = 'bench-catalogue@example.org';
  await benchAdmin(db, email);
  db.$client.close();
  const app = await startServer('app', databaseFile);
  try {
    const cookie = await signInCookie(app.base, email, DEMO_PASSWORD);
    const form = await fetch(`${app.base}/standards/import`, { headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    if (!csrf) throw new Error(`the upload page answered ${form.status}`);
    const body = new FormData();
    body.append('_csrf', csrf);
    body.append('standardsFile', await fs.openAsBlob(file, { type: 'application/json' }), 'standards.json');
    const {
      value: answer,
      seconds,
      riseMb,
    } = await whileSampling(app, async () => {
      const res = await fetch(`${app.base}/standards/import`, { method: 'POST', headers: { cookie }, body });
      return { status: res.status, page: await res.text() };
    });
    const { page } = answer;
    if (answer.status !== 200 || !page.includes(`Added ${VERSIONS} versions,`))
      throw new Error(`the upload answered ${answer.status}: ${page.replace(/<[^>]+>/g, ' ').slice(0, 400)}`);
    console.log(
      `  Uploaded on the Standards page: ${seconds.toFixed(1)} s (target under 30 s); the server's memory rose ${riseMb.toFixed(0)} MB (target under 300 MB)`,
    );
  } finally {
    await app.stop();
  }
}

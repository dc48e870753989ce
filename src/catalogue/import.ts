import type { Readable } from 'node:stream';
import StreamArray from 'stream-json/streamers/StreamArray.js';
import type { Actor } from '../audit/audit.js';
import type { Db } from '../db/connection.js';
import type { Problem } from '../validation/problems.js';
import { fromNational } from './national.js';
import { applyCatalogueVersion } from './store.js';

/** What an import of the national file did, version by version. */
export interface CatalogueSummary {
  added: string[];
  changed: { version: string; differences: string[] }[];
  unchanged: number;
  /** Versions assessments already use whose published KSBs, duties or options now differ: those left as they were. */
  kept: { version: string; differences: string[] }[];
  /** Versions not yet approved for delivery. */
  skipped: { version: string; why: string }[];
  /** Elements refused, each whole, with what was wrong (1-based place in the file). */
  refused: { element: number; version: string | null; problems: Problem[] }[];
  /** The file could not be read to its end (the versions before the fault are in the lists above). */
  fault: string | null;
}

/** The version an element names, for a person to find it, when it names one. */
function named(element: unknown): string | null {
  const e = element as { referenceNumber?: unknown; version?: unknown } | null;
  return e && typeof e.referenceNumber === 'string'
    ? `${e.referenceNumber}/${typeof e.version === 'string' ? e.version : '?'}`
    : null;
}

/**
 * Imports the national catalogue's standards file from a stream: the JSON array is read one
 * element at a time (stream-json), so an 80 MB file never sits in memory whole, and each version
 * is checked and written in a transaction of its own: all or nothing per version.
 */
export async function importCatalogue(db: Db, source: Readable, actor: Actor): Promise<CatalogueSummary> {
  const summary: CatalogueSummary = {
    added: [],
    changed: [],
    unchanged: 0,
    kept: [],
    skipped: [],
    refused: [],
    fault: null,
  };
  // The source's own failures (a directory, no permission, a download cut off) reach the parser
  // too; they end the reading, as a parse error does. A failure to write is not the file's fault:
  // it is thrown, not reported as a fault of the file.
  const parser = StreamArray.withParser();
  source.once('error', (error) => parser.destroy(error));
  const elements = (source.pipe(parser) as AsyncIterable<{ key: number; value: unknown }>)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<{ key: number; value: unknown }>;
    try {
      next = await elements.next();
    } catch (error) {
      summary.fault = `The file could not be read as a JSON array of standard versions: ${(error as Error).message}. The versions listed above, read before this, were imported; nothing after it was.`;
      break;
    }
    if (next.done) break;
    const { key, value } = next.value;
    const mapped = fromNational(value);
    if (!mapped.ok) {
      if ('skipped' in mapped)
        summary.skipped.push({ version: named(value) ?? `element ${key + 1}`, why: mapped.skipped });
      else summary.refused.push({ element: key + 1, version: named(value), problems: mapped.problems });
      continue;
    }
    const version = `${mapped.version.reference}/${mapped.version.version}`;
    const done = applyCatalogueVersion(db, mapped.version, actor);
    if (done.outcome === 'added') summary.added.push(version);
    else if (done.outcome === 'unchanged') summary.unchanged++;
    else {
      if (done.changed.length > 0) summary.changed.push({ version, differences: done.changed });
      if (done.kept.length > 0) summary.kept.push({ version, differences: done.kept });
    }
  }
  return summary;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The summary in lines a person reads (the command line prints them; the page shows the same lists). */
export function describeCatalogueImport(summary: CatalogueSummary): string[] {
  const lines = [
    `Added ${plural(summary.added.length, 'version')}, changed ${summary.changed.length}, unchanged ${summary.unchanged}; ` +
      `kept in part because assessments use them ${summary.kept.length}; not yet approved ${summary.skipped.length}; refused ${summary.refused.length}.`,
  ];
  if (summary.added.length > 0) lines.push(`Added: ${summary.added.join(', ')}`);
  for (const c of summary.changed) lines.push(`Changed ${c.version}: ${c.differences.join('; ')}`);
  for (const k of summary.kept)
    lines.push(
      `Kept ${k.version}'s KSBs, duties and options as they were (assessments use them); the catalogue differs: ${k.differences.join('; ')}`,
    );
  for (const r of summary.refused)
    lines.push(
      `Refused element ${r.element}${r.version ? ` (${r.version})` : ''}: ${r.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`).join('; ')}`,
    );
  if (summary.fault) lines.push(summary.fault);
  return lines;
}

/*
 * A JSON document written a piece at a time (for streamChunks in stream.ts): the same text as
 * JSON.stringify(value, null, 2), except that a list marked with `inBatches` is read one batch at
 * a time as the document is written, so only one batch of it is in memory at once.
 */

/** A list the document reads a batch at a time: each call of `batches` starts from the beginning. */
export class InBatches<T> {
  constructor(readonly batches: () => Iterable<readonly T[]>) {}
}

export function inBatches<T>(batches: () => Iterable<readonly T[]>): InBatches<T> {
  return new InBatches(batches);
}

/**
 * Pages through a list by a key that only grows (a row id, or a date then an id): `read(after, size)`
 * gives the next `size` rows after the row `after` (undefined: from the first).
 */
export function* keyset<T>(read: (after: T | undefined, size: number) => T[], size = 500): Generator<T[]> {
  let after: T | undefined;
  for (;;) {
    const rows = read(after, size);
    if (rows.length > 0) yield rows;
    if (rows.length < size) return;
    after = rows[rows.length - 1];
  }
}

/** The document in pieces: each batch of a list in batches is one piece, and what comes between them another. */
export function* jsonChunks(value: unknown): Generator<string> {
  let pending = '';
  for (const piece of pieces(value, '')) {
    if (piece === BATCH_DONE) {
      if (pending) yield pending;
      pending = '';
    } else pending += piece;
  }
  if (pending) yield pending;
}

const BATCH_DONE = Symbol('batch done');

/** Text as JSON.stringify(value, null, 2) writes it at `indent`, with a mark after each batch. */
function* pieces(value: unknown, indent: string): Generator<string | typeof BATCH_DONE> {
  const inner = `${indent}  `;
  if (value instanceof InBatches) {
    let first = true;
    for (const batch of value.batches()) {
      for (const item of batch) {
        const text = stringified(item, inner);
        if (text === undefined) continue;
        yield `${first ? '[' : ','}\n${inner}${text}`;
        first = false;
      }
      yield BATCH_DONE;
    }
    yield first ? '[]' : `\n${indent}]`;
    return;
  }
  // A value with no list in batches in it is written whole; one with a list in it is not empty.
  if (!containsBatches(value)) {
    yield stringified(value, indent) ?? 'null';
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    for (const [i, item] of value.entries()) {
      yield `${i ? ',' : ''}\n${inner}`;
      yield* pieces(item === undefined || typeof item === 'function' ? null : item, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  const entries = Object.entries(value as object).filter(([, v]) => v !== undefined && typeof v !== 'function');
  yield '{';
  for (const [i, [key, item]] of entries.entries()) {
    yield `${i ? ',' : ''}\n${inner}${JSON.stringify(key)}: `;
    yield* pieces(item, inner);
  }
  yield `\n${indent}}`;
}

/** JSON.stringify(value, null, 2) as it reads at `indent` (its line breaks are its own: strings escape theirs). */
function stringified(value: unknown, indent: string): string | undefined {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  return text === undefined || !indent ? text : text.replaceAll('\n', `\n${indent}`);
}

function containsBatches(value: unknown): boolean {
  if (value instanceof InBatches) return true;
  if (!value || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  return Object.values(value).some(containsBatches);
}

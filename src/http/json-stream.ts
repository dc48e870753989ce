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
  if (!(size >= 1)) throw new RangeError('A batch holds at least one row');
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
        // As in any array: an item JSON has no text for (undefined, a function) is null.
        yield `${first ? '[' : ','}\n${inner}`;
        yield* pieces(item, inner);
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
      yield* pieces(item, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  // As JSON.stringify leaves out a member with no text (undefined, a function, a symbol, a toJSON giving undefined).
  const members: ({ key: string; item: unknown } | { key: string; text: string })[] = [];
  for (const [key, item] of Object.entries(value as object)) {
    const text = containsBatches(item) ? null : stringified(item, inner);
    if (text === null) members.push({ key, item });
    else if (text !== undefined) members.push({ key, text });
  }
  yield '{';
  for (const [i, member] of members.entries()) {
    yield `${i ? ',' : ''}\n${inner}${JSON.stringify(member.key)}: `;
    if ('text' in member) yield member.text;
    else yield* pieces(member.item, inner);
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

import { expect } from 'chai';
import fc from 'fast-check';
import { InBatches, inBatches, jsonChunks, keyset } from '../../src/http/json-stream.js';

/** The value with each list in batches read whole: what JSON.stringify would have been given. */
function whole(value: unknown): unknown {
  if (value instanceof InBatches) return [...value.batches()].flat().map(whole);
  if (Array.isArray(value)) return value.map(whole);
  if (value && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, whole(v)]));
  return value;
}

/** Values JSON writes in its own ways: nothing (left out of an object, null in an array), or what toJSON gives. */
const odd = fc.constantFrom<unknown>(
  undefined,
  () => 1,
  Symbol('s'),
  { toJSON: () => undefined },
  { toJSON: () => ({ a: 'b\nc' }) },
  new Date(Date.UTC(2021, 0, 2)),
);

/** Any JSON-like value, some of whose lists are lists in batches (of any batch sizes, empty ones and lists in batches within them included). */
const documents = fc.letrec<{ doc: unknown }>((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    odd,
    fc.array(tie('doc'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('doc'), { maxKeys: 4 }),
    fc.array(fc.array(tie('doc'), { maxLength: 3 }), { maxLength: 4 }).map((batches) => inBatches(() => batches)),
  ),
})).doc;

describe('a JSON document written a batch at a time', () => {
  it('is the text JSON.stringify(value, null, 2) would write, whatever the value and its batches', () => {
    fc.assert(
      fc.property(documents, (doc) => {
        expect([...jsonChunks({ doc })].join('')).to.equal(JSON.stringify(whole({ doc }), null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it('holds one batch of a list at a time: each batch is a piece of its own', () => {
    let read = 0;
    const rows = inBatches(function* () {
      for (let batch = 0; batch < 3; batch++) {
        read++;
        yield [{ n: batch * 2 }, { n: batch * 2 + 1, note: 'two\nlines' }];
      }
    });
    const pieces = jsonChunks({ about: { note: 'x' }, rows, after: [1] });
    expect(read).to.equal(0);
    const first = pieces.next().value as string;
    expect(first).to.equal(
      '{\n  "about": {\n    "note": "x"\n  },\n  "rows": [\n    {\n      "n": 0\n    },\n    {\n      "n": 1,\n      "note": "two\\nlines"\n    }',
    );
    expect(read).to.equal(1);
    const rest = [...pieces];
    expect(rest).to.have.length(3);
    expect(JSON.parse(first + rest.join(''))).to.deep.equal({
      about: { note: 'x' },
      rows: [0, 1, 2, 3, 4, 5].map((n) => (n % 2 ? { n, note: 'two\nlines' } : { n })),
      after: [1],
    });
  });

  it('pages by a key that only grows until a batch comes back short', () => {
    const ids = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));
    const asked: (number | undefined)[] = [];
    const batches = [
      ...keyset<{ id: number }>((after, size) => {
        asked.push(after?.id);
        return ids.filter((r) => r.id > (after?.id ?? 0)).slice(0, size);
      }, 3),
    ];
    expect(batches.map((b) => b.map((r) => r.id))).to.deep.equal([[1, 2, 3], [4, 5, 6], [7]]);
    expect(asked).to.deep.equal([undefined, 3, 6]);
  });
});

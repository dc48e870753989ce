import * as cheerio from 'cheerio';
import fc from 'fast-check';

/*
 * Hostile input for property tests of every form and API body, and the checks every answer to
 * it must pass: never a stack trace, never markup the input injected.
 */

/* ---------- Seeds and run counts ---------- */

/** PROPERTY_SEED=<n> repeats a run; otherwise each run draws a new seed (printed at the start). */
export const SEED = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : Math.floor(Math.random() * 2 ** 31);
/** Runs per route (PROPERTY_RUNS raises it for a longer search). */
export const RUNS = process.env.PROPERTY_RUNS ? Number(process.env.PROPERTY_RUNS) : 20;

/* ---------- Values ---------- */

export const SCRIPT = '<script>alert(1)</script>';
export const IMG = '"><img src=x onerror=alert(1)>';
export const SQL = "'; drop table apprentices; --";

/** Markup that would run or load something if a page put it in its HTML unescaped. */
export const HTML_PAYLOADS = [
  SCRIPT,
  IMG,
  "'><svg onload=alert(1)>",
  '<xss-probe>probe</xss-probe>',
  '" autofocus onfocus="alert(1)',
  "' onmouseover='alert(1)",
  '<iframe src="javascript:alert(1)"></iframe>',
  'javascript:alert(1)',
  '</textarea><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '<a href="javascript:alert(1)">x</a>',
  '{{constructor.constructor("alert(1)")()}}',
];

export const SQL_PAYLOADS = [
  SQL,
  "1' or '1'='1",
  "Robert'); DROP TABLE users;--",
  '1; select * from sessions',
  '%',
  '_',
  '\\',
  "''",
];

/** Dates that do not exist, or sit at the edges of what is supported. */
export const DATE_STRINGS = [
  '2025-02-30',
  '2025-04-31',
  '2025-06-31',
  '2025-09-31',
  '2025-11-31',
  '2025-02-29',
  '2024-02-29',
  '2025-13-01',
  '2025-00-10',
  '0000-00-00',
  '1899-12-31',
  '2101-01-01',
  '9999-12-31',
  '2025-2-3',
  '31/12/2025',
  '2025-06-15T10:00',
  '20250615',
  '-1',
  '2025-06-15 ',
  '+002025-06-15',
];
/** Date parts as the GOV.UK date input sends them: day, month, year. */
export const DATE_PARTS: [string, string, string][] = [
  ['30', '2', '2025'],
  ['29', '2', '2025'],
  ['31', '4', '2025'],
  ['31', '6', '2025'],
  ['31', '9', '2025'],
  ['31', '11', '2025'],
  ['-1', '1', '2025'],
  ['0', '1', '2025'],
  ['32', '1', '2025'],
  ['1', '0', '2025'],
  ['1', '13', '2025'],
  ['1', '-1', '2025'],
  ['1', '1', '-2025'],
  ['1', '1', '99999'],
  ['1.5', '1', '2025'],
  ['', '5', '2025'],
  ['1e1', '1', '2025'],
  ['٣', '١', '٢٠٢٥'],
  ['1', '1', '1899'],
  ['31', '12', '2100'],
  ['29', '2', '2024'],
];
export const NUMBER_STRINGS = [
  '-1',
  '-0',
  '0',
  '0.5',
  '-7.25',
  '24.0001',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '0x10',
  '1,5',
  ' 37.5 ',
  '１２',
  '٣',
  '9007199254740993',
  '1e-7',
  '.5',
  '5.',
  '1_000',
];

export const UNICODE_STRINGS = [
  '😀👩‍👩‍👧‍👦🇬🇧',
  'שלום עולם',
  'مرحبا',
  '\u202Eevil.exe\u202C',
  'a\u200Bb\u200Cc\u200Dd',
  '\uFEFFbom',
  'e\u0301\u0301\u0301',
  'Z̷̛͚a̵l̶g̸o̷',
  '\u0000nul',
  'line\r\nbreak',
  '\t',
  ' ',
  '',
  'İıǄﷺ',
  '\uD800',
  'x\uDFFFy',
  '\uDBFF\uDBFF',
];

export const HUGE_STRINGS = ['x'.repeat(100_000), 'é'.repeat(40_000), '<b>'.repeat(20_000), '😀'.repeat(25_000)];

export const HOSTILE_STRINGS = [
  ...HTML_PAYLOADS,
  ...SQL_PAYLOADS,
  ...DATE_STRINGS,
  ...NUMBER_STRINGS,
  ...UNICODE_STRINGS,
];

const LONE_SURROGATES = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF');

/** A string a person (or a script) might send: hostile, random, unicode or huge. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.oneof(LONE_SURROGATES, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
      maxLength: 12,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE_STRINGS) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()).map(String) },
);

/**
 * Text that is hostile but may well be valid input (short enough, not blank): it gets stored
 * and shown again, which is where escaping matters.
 */
export const storableText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HTML_PAYLOADS) },
  { weight: 1, arbitrary: fc.constantFrom(...SQL_PAYLOADS.filter((s) => s.trim() !== '')) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE_STRINGS.filter((s) => s.trim() !== '')) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...HTML_PAYLOADS), fc.constantFrom(...UNICODE_STRINGS))
      .map(([a, b]) => `${b}${a}${b}`),
  },
);

/** Sets of free-text fields to hostile text that is still valid. */
export function textEdits(fields: readonly string[]): fc.Arbitrary<{ kind: 'set'; key: string; value: string }[]> {
  if (fields.length === 0) return fc.constant([]);
  return fc.array(
    fc.record({ kind: fc.constant('set' as const), key: fc.constantFrom(...fields), value: storableText }),
    { minLength: 1, maxLength: 3 },
  );
}

/** Keys no form has, some of them with special meanings to parsers and objects. */
export const SPECIAL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'toJSON',
  '',
  ' ',
  '[]',
  '[',
  ']',
  'a.b',
  'a[b',
  'x]',
  '😀',
  '\u0000',
  'x'.repeat(5000),
];
export const randomKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SPECIAL_KEYS),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
);

/* ---------- Form bodies (application/x-www-form-urlencoded) ---------- */

export type Pairs = [string, string][];

export type FormEdit =
  | { kind: 'set'; key: string; value: string }
  | { kind: 'drop'; key: string }
  /** key=a&key=b: an array where one value goes. */
  | { kind: 'repeat'; key: string; values: string[] }
  /** key[sub]=v: an object where one value goes. */
  | { kind: 'nest'; key: string; sub: string; value: string }
  | { kind: 'extra'; key: string; value: string }
  /** A whole GOV.UK date input (prefix[day], prefix[month], prefix[year]). */
  | { kind: 'date'; prefix: string; parts: [string, string, string] }
  /** Keys nested deeper than the parser allows, or more of them than it allows. */
  | { kind: 'deep'; key: string; depth: number }
  /** Well-formed fields that reach for records outside the request's own (another's ids). */
  | { kind: 'reach'; pairs: Pairs };

/**
 * The edits a property test makes to a form: its own field names with hostile values or the
 * values its form offers (`options`), random keys, whole dates, and `reach` (fields naming
 * records outside the request's own).
 */
export function formEdits(
  fields: readonly string[],
  options: readonly string[] = [],
  reach: Pairs[] = [],
): fc.Arbitrary<FormEdit[]> {
  const names = fields.length ? fc.constantFrom(...fields) : randomKey;
  const value = options.length
    ? fc.oneof({ weight: 3, arbitrary: hostileString }, { weight: 1, arbitrary: fc.constantFrom(...options) })
    : hostileString;
  const datePrefixes = fields.filter((f) => f.endsWith('[day]')).map((f) => f.slice(0, -'[day]'.length));
  const edit = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key: names, value }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), key: names }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('repeat' as const),
        key: names,
        values: fc.array(value, { minLength: 2, maxLength: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('nest' as const),
        key: names,
        sub: fc.oneof(randomKey, fc.constantFrom('day', '0', '', '__proto__', 'toString', 'valueOf', 'constructor')),
        value,
      }),
    },
    {
      weight: reach.length ? 3 : 0,
      arbitrary: fc.record({
        kind: fc.constant('reach' as const),
        pairs: fc.constantFrom(...(reach.length ? reach : [[]])),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra' as const), key: randomKey, value: hostileString }) },
    {
      weight: datePrefixes.length ? 3 : 0,
      arbitrary: fc.record({
        kind: fc.constant('date' as const),
        prefix: fc.constantFrom(...(datePrefixes.length ? datePrefixes : ['date'])),
        parts: fc.constantFrom(...DATE_PARTS),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('deep' as const), key: names, depth: fc.constantFrom(6, 40, 1200) }),
    },
  );
  return fc.array(edit, { minLength: 1, maxLength: 5 });
}

const isUnder = (key: string, name: string) => key === name || key.startsWith(`${name}[`);

export function applyFormEdits(base: Pairs, edits: FormEdit[]): Pairs {
  let pairs: Pairs = base.map(([k, v]) => [k, v]);
  for (const e of edits) {
    switch (e.kind) {
      case 'set':
        pairs = [...pairs.filter(([k]) => k !== e.key), [e.key, e.value]];
        break;
      case 'drop':
        pairs = pairs.filter(([k]) => !isUnder(k, e.key));
        break;
      case 'repeat':
        pairs = [...pairs.filter(([k]) => k !== e.key), ...e.values.map((v): [string, string] => [e.key, v])];
        break;
      case 'nest':
        pairs = [...pairs.filter(([k]) => k !== e.key), [`${e.key}[${e.sub}]`, e.value]];
        break;
      case 'extra':
        if (!isUnder(e.key, '_csrf')) pairs.push([e.key, e.value]);
        break;
      case 'date':
        pairs = [
          ...pairs.filter(([k]) => !isUnder(k, e.prefix)),
          [`${e.prefix}[day]`, e.parts[0]],
          [`${e.prefix}[month]`, e.parts[1]],
          [`${e.prefix}[year]`, e.parts[2]],
        ];
        break;
      case 'reach':
        pairs = [...pairs.filter(([k]) => !e.pairs.some(([r]) => r === k)), ...e.pairs];
        break;
      case 'deep':
        if (e.depth > 1000)
          pairs.push(...Array.from({ length: e.depth }, (_, i): [string, string] => [`${e.key}${i}`, 'x']));
        else pairs.push([`${e.key}${'[a]'.repeat(e.depth)}`, 'x']);
        break;
    }
  }
  return pairs;
}

/**
 * Percent-encodes a form value as a browser would, except that a lone surrogate (which a
 * browser replaces with U+FFFD) is sent as its raw WTF-8 bytes: invalid UTF-8 for the server.
 */
export function encodeFormValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(value[i]!);
    }
  }
  return out;
}

export function encodeForm(pairs: Pairs): string {
  return pairs.map(([k, v]) => `${encodeFormValue(k)}=${encodeFormValue(v)}`).join('&');
}

/** The text the server reads for a value sent with encodeFormValue (undecodable values stay percent-encoded). */
export function receivedFormValue(value: string): string {
  const encoded = encodeFormValue(value);
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** The value of a plain field (no brackets) sent exactly once, as the server reads it; undefined otherwise. */
export function sentField(pairs: Pairs, key: string): string | undefined {
  const found = pairs.filter(([k]) => k === key);
  return found.length === 1 ? receivedFormValue(found[0]![1]) : undefined;
}

/* ---------- JSON bodies ---------- */

const deepArray = (depth: number): unknown => Array.from({ length: depth }).reduce<unknown>((inner) => [inner], 1);
const deepObject = (depth: number): unknown =>
  Array.from({ length: depth }).reduce<unknown>((inner) => ({ a: inner }), 1);

export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      -1,
      0,
      -0,
      -0.5,
      0.25,
      1.5,
      7.5,
      24.5,
      1e308,
      -1e308,
      2 ** 53 + 2,
      2 ** 31,
      -(2 ** 31),
      5e-324,
      1e21,
    ),
  },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })) },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(randomKey, hostileString, { maxKeys: 3 }) },
  // Deep, but not so deep that JSON.stringify cannot write it (about 3,000 levels in Node 20); deeper bodies are in MALFORMED_JSON as text.
  {
    weight: 1,
    arbitrary: fc.constantFrom(deepArray(50), deepObject(50), deepArray(1500), deepObject(1500), [], {}, [null], [{}], {
      __proto__: { isAdmin: true },
    }),
  },
);

export type JsonEdit =
  | { kind: 'set'; key: string; value: unknown }
  | { kind: 'drop'; key: string }
  | { kind: 'extra'; key: string; value: unknown };

export function jsonEdits(fields: readonly string[]): fc.Arbitrary<JsonEdit[]> {
  const names = fields.length ? fc.constantFrom(...fields) : randomKey;
  return fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), key: names, value: hostileJson }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), key: names }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra' as const), key: randomKey, value: hostileJson }) },
    ),
    { minLength: 1, maxLength: 5 },
  );
}

/** Sets (or with `undefined`, drops) an own key: "__proto__" becomes an own key, as JSON.parse makes it, not the prototype. */
function put(target: Record<string, unknown> | unknown[], key: string, value: unknown) {
  if (value === undefined) delete (target as Record<string, unknown>)[key];
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Applies edits to a copy of `base`. A key with dots ("methods.0.name") edits inside the body
 * when its first part is an object or array there; otherwise it is a key of its own.
 */
export function applyJsonEdits(base: Record<string, unknown>, edits: JsonEdit[]): Record<string, unknown> {
  const out = structuredClone(base);
  for (const e of edits) {
    const value = e.kind === 'drop' ? undefined : e.value;
    const path = e.key.split('.');
    let target: unknown = out;
    if (path.length > 1 && typeof out[path[0]!] === 'object' && out[path[0]!] !== null) {
      for (const part of path.slice(0, -1))
        target = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)[part] : undefined;
      if (typeof target === 'object' && target !== null) put(target as Record<string, unknown>, path.at(-1)!, value);
    } else {
      put(out, e.key, value);
    }
  }
  return out;
}

/** Bodies that are not a JSON object at all: other JSON values, and text that is not JSON. */
export const NOT_OBJECTS: unknown[] = [[], [1, 2], 'text', 42, null, true];
export const MALFORMED_JSON = [
  '{',
  '{"a":}',
  '{"a":1,}',
  "{'a':1}",
  '\uFEFF{}',
  'undefined',
  'NaN',
  '{"a":1}{"b":2}',
  '\u0000',
  '{"a":"\\ud800"}',
  '{"a":"\\x41"}',
  '['.repeat(100_000),
  // Well-formed, but deeper than JSON.parse can go.
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `{"a":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`,
  '{"__proto__":{"admin":true}}',
  `{"a":"${'x'.repeat(200_000)}"}`,
];

/* ---------- CSV files ---------- */

/** How a CSV file of apprentices is spoiled: its header, its rows' cells, its quoting, line ends and encoding. */
export interface CsvRecipe {
  header: 'template' | 'shuffled' | 'extra' | 'missing' | 'repeated' | 'none';
  extraColumn: string;
  rows: { valid: boolean; cells: readonly { column: number; value: string }[] }[];
  quote: boolean;
  eol: '\n' | '\r\n' | '\r';
  bom: boolean;
}

export const csvRecipe: fc.Arbitrary<CsvRecipe> = fc.record({
  header: fc.constantFrom(
    'template',
    'template',
    'template',
    'template',
    'template',
    'shuffled',
    'extra',
    'missing',
    'repeated',
    'none',
  ),
  extraColumn: randomKey,
  rows: fc.array(
    fc.record({
      valid: fc.nat({ max: 3 }).map((x) => x > 0),
      // Often none (a valid row), or a few cells spoiled, or a name made hostile but valid.
      cells: fc.oneof(
        fc.constant<{ column: number; value: string }[]>([]),
        fc.array(fc.record({ column: fc.nat({ max: 13 }), value: fc.oneof(hostileString, storableText) }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc
          .record({ column: fc.constantFrom(1, 2), value: storableText.filter((t) => t.trim().length <= 100) })
          .map((cell) => [cell]),
      ),
    }),
    { maxLength: 3 },
  ),
  quote: fc.boolean(),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  bom: fc.boolean(),
});

const csvCell = (value: string, quote: boolean) => (quote ? `"${value.replaceAll('"', '""')}"` : value);

/** The CSV text of a recipe: `columns` in template order, `validRow(i)` a valid row of values in that order (with a new ULN). */
export function csvText(recipe: CsvRecipe, columns: readonly string[], validRow: (i: number) => string[]): string {
  const order = columns.map((_, i) => i);
  if (recipe.header === 'shuffled') order.reverse();
  let header = order.map((i) => columns[i]!);
  if (recipe.header === 'extra') header = [...header, recipe.extraColumn];
  if (recipe.header === 'missing') header = header.slice(1);
  if (recipe.header === 'repeated') header = [...header, header[0]!];
  const lines = recipe.header === 'none' ? [] : [header.map((h) => csvCell(h, recipe.quote)).join(',')];
  recipe.rows.forEach((r, i) => {
    const values = r.valid ? validRow(i) : columns.map(() => '');
    for (const { column, value } of r.cells) values[column % columns.length] = value;
    lines.push(order.map((c) => csvCell(values[c] ?? '', recipe.quote)).join(','));
  });
  return `${recipe.bom ? '\uFEFF' : ''}${lines.join(recipe.eol)}${recipe.eol}`;
}

/** Files that are not what an upload expects, with the name and type a browser might give them. */
export const WRONG_FILES: { label: string; name: string; type: string; content: Buffer }[] = [
  {
    label: 'a PNG image',
    name: 'apprentices.png',
    type: 'image/png',
    content: Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
      'hex',
    ),
  },
  {
    label: 'a PNG renamed .csv',
    name: 'apprentices.csv',
    type: 'text/csv',
    content: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
  },
  {
    label: 'a Windows program renamed .csv',
    name: 'apprentices.csv',
    type: 'text/csv',
    content: Buffer.concat([
      Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1'),
      Buffer.alloc(64),
      Buffer.from('This program cannot be run in DOS mode.'),
    ]),
  },
  {
    label: 'a Windows program',
    name: 'setup.exe',
    type: 'application/x-msdownload',
    content: Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(60)]),
  },
  {
    label: 'an Excel workbook (a ZIP)',
    name: 'apprentices.xlsx',
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    content: Buffer.concat([
      Buffer.from('504b030414000600080000002100', 'hex'),
      Buffer.from('[Content_Types].xml'),
      Buffer.alloc(30),
    ]),
  },
  {
    label: 'a PDF',
    name: 'plan.pdf',
    type: 'application/pdf',
    content: Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1'),
  },
  {
    label: 'UTF-16 text',
    name: 'apprentices.csv',
    type: 'text/csv',
    content: Buffer.from('\uFEFFuln,given_names\n', 'utf16le'),
  },
  {
    label: 'text with a NUL byte',
    name: 'apprentices.csv',
    type: 'text/csv',
    content: Buffer.from('uln,given_names\u0000\n1000000043,Jo\n'),
  },
];

/* ---------- What every answer must (not) contain ---------- */

/** A stack frame ("    at fn (/path/file.ts:12:3)") or a source path: details of a failure shown to the user. */
export function stackTraceIn(text: string): string | undefined {
  const match =
    /\n\s+at\s[^\n]*:\d+:\d+|node_modules[\\/]|[\\/]src[\\/][\w/-]+\.[jt]s\b|\bSqliteError\b|\bZodError\b|\bTypeError:|\bReferenceError:/.exec(
      text,
    );
  return match?.[0];
}

/** Attributes whose value a browser loads or follows as a URL. */
const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'poster', 'background'];

/**
 * Elements and attributes the payloads above would create if echoed unescaped. The app's own
 * pages have no scripts, event handlers, frames or javascript: links at all.
 */
/** A script the app itself loads (public/*.js). */
const OWN_SCRIPT = /^\/public\/[a-z-]+\.js$/;

export function injectedMarkup(html: string): string[] {
  const $ = cheerio.load(html);
  const found: string[] = [];
  $('script, iframe, object, embed, xss-probe, base').each((_, el) => {
    // The app's own scripts: a file it serves from /public/, with no content of its own.
    if ($(el).is('script') && OWN_SCRIPT.test($(el).attr('src') ?? '') && $(el).text() === '') return;
    found.push(`<${(el as { tagName?: string }).tagName}> ${$(el).toString().slice(0, 80)}`);
  });
  $('meta[http-equiv]').each((_, el) => {
    found.push(`<meta http-equiv> ${$(el).toString().slice(0, 80)}`);
  });
  $('*').each((_, node) => {
    const el = node as { tagName?: string; attribs?: Record<string, string> };
    for (const [name, value] of Object.entries(el.attribs ?? {})) {
      if (/^on/i.test(name)) found.push(`<${el.tagName} ${name}="${value.slice(0, 40)}">`);
      if (URL_ATTRIBUTES.includes(name.toLowerCase()) && /^\s*(javascript|vbscript):/i.test(value))
        found.push(`<${el.tagName} ${name}="${value.slice(0, 40)}">`);
      if (name === 'autofocus' && el.tagName !== 'input') found.push(`<${el.tagName} autofocus>`);
    }
  });
  $('img[src="x"]').each(() => {
    found.push('<img src=x>');
  });
  for (const raw of ['<script>alert(1)', '<img src=x', '<svg onload', '<xss-probe', '<iframe'])
    if (html.includes(raw)) found.push(`raw ${raw}`);
  return found;
}

/** A short, printable description of a value (for failure messages: a 100,000-character field is not printed whole). */
export function brief(value: unknown, max = 300): string {
  const text =
    typeof value === 'string'
      ? value
      : JSON.stringify(value, (_k, v: unknown) =>
          typeof v === 'string' && v.length > 60 ? `${v.slice(0, 40)}…(${v.length} chars)` : v,
        );
  return text === undefined ? String(value) : text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

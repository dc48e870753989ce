import { formatPath, type Problem } from './problems.js';

/**
 * What text the platform takes, the same for forms, the API, CSV imports and uploaded JSON files:
 * no control characters (Unicode's Cc: NUL, escape, DEL, the C1 controls…) and no unpaired
 * surrogate (which SQLite would store as invalid UTF-8); line breaks, and the tabs that come with
 * pasted text, only in the free-text fields written over several lines (a textarea on the page,
 * the same key in the API). Names, ids and every other field are one line without tabs.
 */

/** The keys of multi-line free text, wherever they sit in a form or body (a textarea's name, or its key in the API). */
const MULTI_LINE_KEYS: ReadonlySet<string> = new Set([
  'reason',
  'reasons',
  'source',
  'activity',
  'statement',
  'outcomeReason',
  'rationale',
  'decisionReason',
  'declineReason',
  'actionPlan',
  'grounds',
  'evidence',
  'description',
  'detail',
  'text',
  'notice',
  'holdReason',
  'endReason',
]);

/** Passwords are never stored as text (only their hash), so any character may be in one. */
const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'currentPassword', 'newPassword', 'confirmPassword']);

const LINE_BREAKS = new Set(['\n', '\r']);
/** What a multi-line field may hold besides printable text. */
const MULTI_LINE_CONTROLS = new Set(['\n', '\r', '\t']);

/** Every C0 and C1 control, DEL, and either half of a surrogate pair, read as UTF-16 code units. */
// eslint-disable-next-line no-control-regex
const MAYBE_UNSAVABLE = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;

/** A character's name in a message: its code point, and what it is where that helps. */
function describe(char: string): string {
  const code = char.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const known: Record<number, string> = {
    0: 'a NUL',
    9: 'a tab',
    10: 'a line break',
    13: 'a line break',
    27: 'an escape',
  };
  return `${known[code] ?? 'a control character'} (${hex})`;
}

/** Why this text cannot be stored, or null when it can. */
export function textProblem(value: string, multiLine: boolean): string | null {
  // Almost all text has no control character and no surrogate at all: one quick scan of its code
  // units clears it (an import checks fifteen values on each of 100,000 lines). A valid surrogate
  // pair is matched too, and goes on to the exact checks below.
  if (!MAYBE_UNSAVABLE.test(value)) return null;
  // With the u flag a surrogate pair is one code point, so \p{Cs} matches only a lone half.
  if (/\p{Cs}/u.test(value)) return 'is not valid Unicode text (it has a lone surrogate)';
  for (const char of value.match(/\p{Cc}/gu) ?? []) {
    if (multiLine && MULTI_LINE_CONTROLS.has(char)) continue;
    return LINE_BREAKS.has(char)
      ? 'must be on one line: remove the line break'
      : `contains ${describe(char)}, which cannot be saved: remove it`;
  }
  return null;
}

/**
 * Every string in a parsed form, body or file (keys included) that breaks the rules above, with
 * its path. Multi-line is judged by the nearest enclosing key (decisions[0].evidence is evidence).
 */
export function textProblems(value: unknown): Problem[] {
  const problems: Problem[] = [];
  const visit = (node: unknown, path: (string | number)[], multiLine: boolean, depth: number) => {
    if (problems.length >= 20 || depth > 64) return;
    if (typeof node === 'string') {
      const problem = textProblem(node, multiLine);
      if (problem) problems.push({ path: formatPath(path), message: `${labelOf(path)} ${problem}` });
    } else if (Array.isArray(node)) node.forEach((item, i) => visit(item, [...path, i], multiLine, depth + 1));
    else if (node && typeof node === 'object')
      for (const [key, item] of Object.entries(node)) {
        const keyProblem = textProblem(key, false);
        if (keyProblem) problems.push({ path: formatPath(path), message: `A field name ${keyProblem}` });
        else if (!SECRET_KEYS.has(key)) visit(item, [...path, key], MULTI_LINE_KEYS.has(key), depth + 1);
      }
  };
  visit(value, [], false, 0);
  return problems;
}

/** The field's name for a message: its last key ("familyName" → "familyName"; the whole body → "The text"). */
function labelOf(path: (string | number)[]): string {
  const key = [...path].reverse().find((p) => typeof p === 'string');
  return key === undefined ? 'The text' : `"${key}"`;
}

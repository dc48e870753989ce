import Handlebars from 'handlebars';
import type { HelperDelegate, HelperOptions } from 'handlebars';

/**
 * Handlebars helpers used by the GOV.UK partials in views/partials and by page templates.
 *
 * Handlebars calls every helper with its positional arguments followed by an `options`
 * object, so helpers taking a variable number of arguments drop that last argument first.
 */

/** The arguments a helper was given, without the trailing Handlebars options object. */
function positional(args: unknown[]): unknown[] {
  return args.slice(0, -1);
}

/** Truthiness as Handlebars' own `{{#if}}` sees it: empty arrays are false. */
function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

/** Not null, undefined, a blank string or an empty array. `0` and `false` are values. */
function isNonEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** Form values compare as strings (`2` equals `"2"`); null and undefined equal only each other. */
function same(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  return text(a) === text(b);
}

/** A submitted multi-value field: one value arrives as a string, several as an array. */
function asList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Strings, numbers and booleans as text; anything else (null, objects) as empty. */
function text(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return '';
  }
}

/**
 * A select's options as HTML, each value and text escaped as `{{…}}` would. Written here in one
 * pass rather than by a template loop: the report filters list every provider and assessor (two
 * hundred options and more), and a loop with a helper call per option was a sixth of the outcomes
 * dashboard's time.
 */
function optionsHtml(items: unknown, selected: unknown): string {
  const escape = Handlebars.Utils.escapeExpression;
  let html = '';
  for (const item of asList(items)) {
    if (typeof item !== 'object' || item === null) continue;
    const { value, text: label, disabled } = item as { value?: unknown; text?: unknown; disabled?: unknown };
    html += `<option value="${escape(text(value))}"${same(value, selected) ? ' selected' : ''}${truthy(disabled) ? ' disabled' : ''}>${escape(text(label))}</option>`;
  }
  return html;
}

export const viewHelpers: Record<string, HelperDelegate> = {
  /** `{{selectOptions items selected}}`: the `<option>`s of a select (items of { value, text, disabled }). */
  selectOptions: (items: unknown, selected: unknown) => new Handlebars.SafeString(optionsHtml(items, selected)),

  /** `{{#if (eq a b)}}`: string comparison, so numbers from the database match form values. */
  eq: (a: unknown, b: unknown): boolean => same(a, b),

  /** `{{#if (includes list value)}}`: the list (or single value) holds the value, compared as strings. */
  includes: (list: unknown, value: unknown): boolean => asList(list).some((item) => same(item, value)),

  /** `{{inc @index}}`: one-based position. */
  inc: (n: unknown): number => Number(n) + 1,

  /** `{{concat id "-hint"}}`: joins its arguments; null and undefined count as empty. */
  concat: (...args: unknown[]): string => positional(args).map(text).join(''),

  /** `{{#if (or a b)}}` or `(or label "Default")`: the first truthy argument, else false. */
  or: (...args: unknown[]): unknown => positional(args).find(truthy) ?? false,

  /** `{{#if (and a b)}}`: every argument truthy. */
  and: (...args: unknown[]): boolean => {
    const values = positional(args);
    return values.length > 0 && values.every(truthy);
  },

  not: (value: unknown): boolean => !truthy(value),

  /** `{{#if (isNonEmpty value)}}`: true for 0 and false, unlike `{{#if}}`; false for blank strings. */
  isNonEmpty: (value: unknown): boolean => isNonEmpty(value),

  /** `{{#if (isDefined spellcheck)}}`: anything but null and undefined (so `false` counts). */
  isDefined: (value: unknown): boolean => value !== null && value !== undefined,

  /** `(coalesce id name)`: the first argument that is not empty (see isNonEmpty). */
  coalesce: (...args: unknown[]): unknown => positional(args).find(isNonEmpty),

  /**
   * `(describedBy id hint error)`: the value of aria-describedby for a field with an optional
   * hint and error message, e.g. "email-hint email-error", or "" when it has neither.
   */
  describedBy: (id: unknown, hint: unknown, error: unknown): string =>
    [isNonEmpty(hint) ? `${text(id)}-hint` : '', isNonEmpty(error) ? `${text(id)}-error` : '']
      .filter(Boolean)
      .join(' '),

  /**
   * `(itemId name @index)`: GOV.UK ids for radios and checkboxes: the first item takes the
   * field's own id (so the error summary link `#name` focuses it), the rest `name-2`, `name-3`…
   */
  itemId: (prefix: unknown, index: unknown): string => {
    const position = Number(index);
    return position > 0 ? `${text(prefix)}-${position + 1}` : text(prefix);
  },

  /** `(anyHas rows "actions")`: some item of the list has a non-empty value for the key. */
  anyHas: (list: unknown, key: unknown): boolean =>
    asList(list).some(
      (item) => typeof item === 'object' && item !== null && isNonEmpty((item as Record<string, unknown>)[text(key)]),
    ),

  /**
   * `{{#let (coalesce id name) as |fieldId|}}…{{/let}}`: names a value for the block without
   * changing the context, so the partial's other parameters stay in scope.
   */
  let: function (this: unknown, value: unknown, options: HelperOptions): string {
    return options.fn(this, { data: options.data as unknown, blockParams: [value] });
  },
};

/** Registers the helpers on a Handlebars environment (e.g. one made with `Handlebars.create()`). */
export function registerHelpers(hbs: typeof Handlebars): void {
  for (const [name, helper] of Object.entries(viewHelpers)) {
    hbs.registerHelper(name, helper);
  }
}

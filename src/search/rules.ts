/**
 * How a search reads what is typed: names compared without their accents or case ("zoe" finds
 * "Zoë", "LLYR" finds "Llŷr"), and a ULN as its ten digits.
 */

/** Letters that are not a base letter with a mark, so NFKD leaves them: written as people type them. */
const LETTERS: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', æ: 'ae', œ: 'oe', ß: 'ss', ı: 'i' };

/** Text without accents, in lower case, with runs of spaces as one: the form names are compared in. */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[øłđðþæœßı]/g, (c) => LETTERS[c]!)
    .replace(/\s+/g, ' ')
    .trim();
}

/** A LIKE pattern matching `text` anywhere, with %, _ and \ taken literally (escape '\'). */
export function containsPattern(text: string): string {
  return `%${fold(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether what was typed is a ULN (ten digits, spaces allowed between them). */
export function asUln(text: string): string | null {
  const digits = text.replace(/\s+/g, '');
  return /^\d{10}$/.test(digits) ? digits : null;
}

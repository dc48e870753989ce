/** Letters that are not a base letter with a mark, so NFKD leaves them: written as people type them. */
const LETTERS: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', æ: 'ae', œ: 'oe', ß: 'ss', ı: 'i' };

/**
 * Text as searches compare it: without accents ("Zoë" as "zoe", "Llŷr" as "llyr"), letters such
 * as ø and ß written as people type them, in lower case, runs of spaces as one. Each database
 * connection has it as the SQL function fold(text).
 */
export function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[øłđðþæœßı]/g, (c) => LETTERS[c]!)
    .replace(/\s+/g, ' ')
    .trim();
}

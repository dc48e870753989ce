/**
 * How a search reads what is typed: names compared without their accents or case ("zoe" finds
 * "Zoë", "LLYR" finds "Llŷr"), and a ULN as its ten digits.
 */
import { fold } from '../folding.js';

export { fold };

/** A LIKE pattern matching `text` anywhere, with %, _ and \ taken literally (escape '\'). */
export function containsPattern(text: string): string {
  return `%${fold(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether what was typed is a ULN (ten digits, spaces allowed between them). */
export function asUln(text: string): string | null {
  const digits = text.replace(/\s+/g, '');
  return /^\d{10}$/.test(digits) ? digits : null;
}

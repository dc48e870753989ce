/**
 * Unique Learner Number (ULN): 10 digits, the first not 0, with a check digit. A ULN is valid
 * when the sum of each digit times the weights 10, 9, …, 1 leaves a remainder of 10 when
 * divided by 11.
 *
 * The functions take the value as given: callers trim surrounding spaces first (the zod
 * schema in ./schema.ts does).
 */

export const ULN_MESSAGES = {
  length: 'ULN must be 10 digits',
  leadingZero: 'ULN cannot start with 0',
  checkDigit: 'ULN check digit is wrong: this is not a valid ULN (check for a typing error)',
} as const;

/** Weight of the digit at `index` (0-based): 10 for the first digit down to 1 for the last. */
function weight(index: number): number {
  return 10 - index;
}

/** Sum of the digits times their weights (10, 9, …) for a string of digits. */
function weightedSum(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) sum += Number(digits[i]) * weight(i);
  return sum;
}

export function validateUln(uln: string): { ok: true } | { ok: false; message: string } {
  if (!/^[0-9]{10}$/.test(uln)) return { ok: false, message: ULN_MESSAGES.length };
  if (uln.startsWith('0')) return { ok: false, message: ULN_MESSAGES.leadingZero };
  if (weightedSum(uln) % 11 !== 10) return { ok: false, message: ULN_MESSAGES.checkDigit };
  return { ok: true };
}

export function isValidUln(s: string): boolean {
  return validateUln(s).ok;
}

/**
 * Turns a 9-digit prefix (100000000–999999999) into a valid ULN by choosing the last digit.
 * Returns null for the prefixes (about 1 in 11) where no last digit works: the last digit
 * would have to be 10.
 */
export function makeValidUln(seed: number): string | null {
  if (!Number.isInteger(seed) || seed < 100_000_000 || seed > 999_999_999) {
    throw new RangeError(`makeValidUln needs a 9-digit prefix from 100000000 to 999999999, not ${seed}`);
  }
  const prefix = String(seed);
  // The last digit has weight 1, so it must be (10 - sum of the others) mod 11.
  const last = (((10 - weightedSum(prefix)) % 11) + 11) % 11;
  return last === 10 ? null : `${prefix}${last}`;
}

/** `count` valid ULNs from successive prefixes starting at `firstPrefix`, skipping prefixes that have none. */
export function validUlns(count: number, firstPrefix = 100_000_000): string[] {
  const ulns: string[] = [];
  for (let prefix = firstPrefix; ulns.length < count; prefix += 1) {
    const uln = makeValidUln(prefix);
    if (uln !== null) ulns.push(uln);
  }
  return ulns;
}

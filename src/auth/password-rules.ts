import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * What a new password must be (NCSC's password guidance and NIST SP 800-63B, 5.1.1.2: a length
 * floor, no composition rules, and a check against passwords known to be common): at least
 * MIN_PASSWORD_LENGTH characters, at most MAX_PASSWORD_LENGTH, and not one of the ~49,000 common
 * passwords zxcvbn-ts publishes (@zxcvbn-ts/language-common), compared without regard to case.
 */
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 200;

let common: Set<string> | undefined;
const commonPasswords = () => (common ??= new Set(dictionary['passwords-common'].map((p) => String(p).toLowerCase())));

export const PASSWORD_MESSAGES = {
  short: `Password must be at least ${MIN_PASSWORD_LENGTH} characters`,
  long: `Password must be ${MAX_PASSWORD_LENGTH} characters or fewer`,
  common: 'This password is in a list of commonly used passwords: choose one that is harder to guess',
} as const;

/** Which rule a new password breaks, in words for the person choosing it; null when it keeps them all. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return PASSWORD_MESSAGES.short;
  if (length > MAX_PASSWORD_LENGTH) return PASSWORD_MESSAGES.long;
  if (commonPasswords().has(password.toLowerCase())) return PASSWORD_MESSAGES.common;
  return null;
}

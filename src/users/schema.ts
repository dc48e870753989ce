import { z } from 'zod';
import { decimalInput } from '../validation/fields.js';
import { ROLES } from '../auth/roles.js';
import { passwordProblem } from '../auth/password-rules.js';

/** A password someone is choosing: the rules in auth/password-rules.ts, the broken one named. */
export const newPassword = z.string({ error: 'Enter a password' }).superRefine((password, ctx) => {
  const problem = passwordProblem(password);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The second entry of a new password must be the same as the first. */
const sameTwice = (p: { newPassword: string; confirmPassword: string }) => p.newPassword === p.confirmPassword;
const NOT_THE_SAME = { path: ['confirmPassword'], message: 'The passwords do not match: enter the new password again' };
const confirmPassword = z.string({ error: 'Enter the new password again' });

/** Changing your own password: the current one, and the new one twice. */
export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: 'Enter your current password' }).min(1, 'Enter your current password'),
    newPassword,
    confirmPassword,
  })
  .refine(sameTwice, NOT_THE_SAME);

/** Choosing a password from a reset link: the new one twice. */
export const resetPasswordSchema = z.object({ newPassword, confirmPassword }).refine(sameTwice, NOT_THE_SAME);

/** An API token's life in days: 90 unless the administrator chooses otherwise (at most a year). */
export const TOKEN_DAYS_DEFAULT = 90;
export const newTokenSchema = z.object({
  days: z.preprocess(
    (v) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? TOKEN_DAYS_DEFAULT : decimalInput(v)),
    z
      .number({ error: 'Enter how many days the token works, from 1 to 365' })
      .int('Enter a whole number of days')
      .min(1, 'Enter how many days the token works, from 1 to 365')
      .max(365, 'Enter how many days the token works, from 1 to 365'),
  ),
});

/** Disabling or enabling an account, or ending its sessions: why, for the audit log. */
export const accountActionSchema = z.object({
  reason: z
    .string({ error: 'Give the reason' })
    .trim()
    .min(1, 'Give the reason, for the audit log')
    .max(500, 'The reason must be 500 characters or fewer'),
});

export const ukprnSchema = z
  .string()
  .trim()
  .regex(/^\d{8}$/, 'UKPRN must be 8 digits');

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/**
 * A new user, from the admin page, the command line or the API. A provider is scoped to
 * one UKPRN and an employer to one employer; other roles have no scope.
 */
export const newUserSchema = z
  .object({
    name: z.string().trim().min(1, 'Enter the person’s name').max(100, 'Name must be 100 characters or fewer'),
    email: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.email('Enter an email address in the correct format, like name@example.com')),
    role: z.enum(ROLES, { error: 'Select a role' }),
    ukprn: optionalText.pipe(ukprnSchema.optional()),
    employerId: optionalText,
    /** A checkbox: a provider user who marks provider-marked components. */
    canMark: z
      .literal('yes')
      .optional()
      .transform((v) => v === 'yes'),
    password: newPassword,
  })
  .superRefine((user, ctx) => {
    if (user.role === 'provider' && !user.ukprn)
      ctx.addIssue({ code: 'custom', path: ['ukprn'], message: 'Enter the UKPRN of the provider this user works for' });
    if (user.role !== 'provider' && user.ukprn)
      ctx.addIssue({ code: 'custom', path: ['ukprn'], message: 'Only provider users have a UKPRN' });
    if (user.role !== 'provider' && user.canMark)
      ctx.addIssue({
        code: 'custom',
        path: ['canMark'],
        message: 'Only a provider user can mark provider-marked components',
      });
    if (user.role === 'employer' && !user.employerId)
      ctx.addIssue({ code: 'custom', path: ['employerId'], message: 'Select the employer this user works for' });
    if (user.role !== 'employer' && user.employerId)
      ctx.addIssue({ code: 'custom', path: ['employerId'], message: 'Only employer users have an employer' });
  });

export type NewUser = z.infer<typeof newUserSchema>;

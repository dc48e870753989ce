import { z } from 'zod';
import { ROLES } from '../auth/roles.js';

export const ukprnSchema = z
  .string()
  .trim()
  .regex(/^\d{8}$/, 'UKPRN must be 8 digits');
export const MIN_PASSWORD_LENGTH = 12;

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
    password: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `Password must be at least ${MIN_PASSWORD_LENGTH} characters`)
      .max(200, 'Password must be 200 characters or fewer'),
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

import { z } from 'zod';

/*
 * The apprenticeship service's rules for a certificate's postal contact, as its certificate
 * validators apply them (SkillsFundingAgency/das-assessor-service,
 * Application.Api/Validators/ExternalApi/Certificates/BatchCertificateRequestValidator.cs):
 * a contact name, the first address line, a city or town and a postcode are required, and the
 * postcode must match the service's UK postcode pattern, as sent (no spaces around it). Its
 * submit validator also needs the organisation to be present
 * (SubmitBatchCertificateRequestValidator.cs, "Certificate is missing mandatory data").
 */

/** The apprenticeship service's UK postcode pattern, as its validator has it ("Provide a valid UK postcode"). */
export const SERVICE_POSTCODE =
  /^(([gG][iI][rR] {0,}0[aA]{2})|((([a-pr-uwyzA-PR-UWYZ][a-hk-yA-HK-Y]?[0-9][0-9]?)|(([a-pr-uwyzA-PR-UWYZ][0-9][a-hjkstuwA-HJKSTUW])|([a-pr-uwyzA-PR-UWYZ][a-hk-yA-HK-Y][0-9][abehmnprv-yABEHMNPRV-Y]))) {0,}[0-9][abd-hjlnp-uw-zABD-HJLNP-UW-Z]{2}))$/;

/** Who the certificate is posted to. */
export const SEND_TO = ['apprentice', 'employer'] as const;
export type SendTo = (typeof SEND_TO)[number];
export const SEND_TO_LABELS: Record<SendTo, string> = {
  apprentice: 'The apprentice',
  employer: 'The employer',
};

/** A postcode as people type it (any case, any spacing) written as the service expects it: capitals, one space before the last three. */
export function tidyPostcode(value: string): string {
  const compact = value.replace(/\s+/g, '').toUpperCase();
  return compact.length > 3 ? `${compact.slice(0, -3)} ${compact.slice(-3)}` : compact;
}

const required = (max: number, missing: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z.string({ error: missing }).min(1, missing).max(max, `Must be ${max} characters or fewer`),
  );
const optional = (max: number) =>
  z.preprocess(
    (v) =>
      v === undefined || v === null || (typeof v === 'string' && v.trim() === '')
        ? null
        : typeof v === 'string'
          ? v.trim()
          : v,
    z.string().max(max, `Must be ${max} characters or fewer`).nullable(),
  );

/** Where the certificate goes, as a provider or administrator records it (form and API alike). */
export const deliveryInputSchema = z.object({
  sendTo: z.enum(SEND_TO, { error: 'Choose who the certificate is posted to' }),
  contactName: required(100, 'Enter the name of the person it is posted to'),
  department: optional(100),
  organisation: required(
    100,
    'Enter the organisation (the employer’s name, or the apprentice’s own name for a home address)',
  ),
  addressLine1: required(100, 'Enter the first line of the address'),
  addressLine2: optional(100),
  addressLine3: optional(100),
  city: required(100, 'Enter the town or city'),
  postcode: z.preprocess(
    (v) => (typeof v === 'string' ? tidyPostcode(v) : v),
    z
      .string({ error: 'Enter the postcode' })
      .min(1, 'Enter the postcode')
      .regex(SERVICE_POSTCODE, 'Enter a real UK postcode, like SW1A 1AA'),
  ),
});
export type DeliveryInput = z.infer<typeof deliveryInputSchema>;

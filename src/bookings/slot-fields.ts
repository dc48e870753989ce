import { z } from 'zod';
import { blankToNull, dateField } from '../validation/fields.js';

/**
 * The fields of a form that says when and how an assessment takes place: the booking form and the
 * marker's form. `noun` names the thing in the messages ("assessment", "component").
 */
export function slotFields(noun: string) {
  return {
    date: dateField(`date of the ${noun}`),
    time: z
      .string({ error: 'Enter the start time' })
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Enter the start time as HH:MM, for example 09:30'),
    mode: z.enum(['in_person', 'remote'], { error: 'Choose in person or remote' }),
    location: z.preprocess(blankToNull, z.string().max(300, 'The location must be 300 characters or fewer').nullable()),
    link: z.preprocess(
      blankToNull,
      z
        .url({ protocol: /^https?$/, error: 'Enter the meeting link as a web address, starting https://' })
        .max(500)
        .nullable(),
    ),
  };
}

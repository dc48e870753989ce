import { Router, type Response } from 'express';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { parseForm } from '../http/forms.js';
import { paths } from '../paths.js';
import { actorOf } from '../users/store.js';
import { blankToNull, blankToUndefined, decimalInput } from '../validation/fields.js';
import { epaoSettingsOf, saveSettings } from './store.js';

/** The EPAO's settings: quality-assurance sampling and the organisation's details. */
export function settingsPages(db: Db): Router {
  const router = Router();

  /* ---------- The EPAO's settings ---------- */

  /** A whole number from `min` to `max` typed in a form (blank: the field is missing). */
  const wholeNumber = (min: number, max: number, messages: { type: string; min: string; max: string }) =>
    z.preprocess(
      blankToUndefined,
      z.preprocess(
        decimalInput,
        z.number({ error: messages.type }).int(messages.type).min(min, messages.min).max(max, messages.max),
      ),
    );
  const workingDays = wholeNumber(1, 90, {
    type: 'Enter a whole number',
    min: 'Enter at least 1',
    max: 'Enter 90 or fewer',
  });
  const megabytes = wholeNumber(1, 2048, {
    type: 'Enter a whole number of megabytes',
    min: 'Enter at least 1 MB',
    max: 'Enter 2,048 MB (2 GB) or less',
  });

  const settingsSchema = z.object({
    qaFirstN: wholeNumber(0, 100, { type: 'Enter a whole number', min: 'Enter 0 or more', max: 'Enter 100 or fewer' }),
    qaRandomPercent: z.preprocess(
      blankToUndefined,
      z.preprocess(
        decimalInput,
        z
          .number({ error: 'Enter a percentage from 0 to 100' })
          .min(0, 'Enter a percentage from 0 to 100')
          .max(100, 'Enter a percentage from 0 to 100'),
      ),
    ),
    qaSampleFails: z.preprocess((v) => v === 'yes', z.boolean()),
    qaSampleBoundary: z.preprocess((v) => v === 'yes', z.boolean()),
    claimHighestGradeEarly: z.preprocess((v) => v === 'yes', z.boolean()),
    refuseHighestGradeAppeals: z.preprocess((v) => v === 'yes', z.boolean()),
    appealWorkingDays: workingDays,
    appealDecisionWorkingDays: workingDays,
    evidenceDocumentMb: megabytes,
    evidenceImageMb: megabytes,
    evidenceRecordingMb: megabytes,
    requestWorkingDays: workingDays,
    epaoName: z.preprocess(blankToNull, z.string().max(100, 'Keep the name to 100 characters').nullable()),
    epaNumber: z.preprocess(
      blankToNull,
      z
        .string()
        .regex(/^EPA\d{4}$/, 'Enter the EPA number as EPA followed by four digits, for example EPA0123')
        .nullable(),
    ),
    contactEmail: z.preprocess(
      blankToNull,
      z.email('Enter an email address in the correct format, like results@example.org').max(254).nullable(),
    ),
    contactPhone: z.preprocess(
      blankToNull,
      z
        .string()
        .regex(/^\+?[0-9 ()-]{6,25}$/, 'Enter a telephone number, like 0161 496 0000 or +44 161 496 0000')
        .nullable(),
    ),
    maxAttempts: z.preprocess(
      blankToNull,
      z.preprocess(
        decimalInput,
        z
          .number({ error: 'Enter a whole number' })
          .int('Enter a whole number')
          .min(1, 'Enter at least 1')
          .max(20, 'Enter 20 or fewer')
          .nullable(),
      ),
    ),
  });

  const renderSettings = (
    res: Response,
    extra: { values?: object; status?: number; errors?: object; errorList?: object[]; flash?: string } = {},
  ) => {
    const settings = epaoSettingsOf(db);
    res.status(extra.status ?? 200).render('grading/settings', {
      title: 'Settings',
      action: paths.admin.settings,
      values: extra.values ?? {
        ...settings,
        qaSampleFails: settings.qaSampleFails ? 'yes' : '',
        qaSampleBoundary: settings.qaSampleBoundary ? 'yes' : '',
        claimHighestGradeEarly: settings.claimHighestGradeEarly ? 'yes' : '',
        refuseHighestGradeAppeals: settings.refuseHighestGradeAppeals ? 'yes' : '',
        maxAttempts: settings.maxAttempts ?? '',
        epaoName: settings.epaoName ?? '',
        epaNumber: settings.epaNumber ?? '',
        contactEmail: settings.contactEmail ?? '',
        contactPhone: settings.contactPhone ?? '',
      },
      errors: extra.errors,
      errorList: extra.errorList,
      flash: extra.flash,
    });
  };

  router.get(paths.admin.settings, pageFor(...AREA_ROLES.administration), (req, res) =>
    renderSettings(res, { flash: req.query.saved === '1' ? 'The settings have been saved.' : undefined }),
  );

  router.post(paths.admin.settings, pageFor(...AREA_ROLES.administration), (req, res) => {
    const form = parseForm(settingsSchema, req.body);
    if (!form.ok)
      return renderSettings(res, {
        values: req.body as object,
        status: 400,
        errors: form.errors,
        errorList: form.errorList,
      });
    saveSettings(db, form.value, actorOf(userOf(res)));
    res.redirect(303, `${paths.admin.settings}?saved=1`);
  });

  return router;
}

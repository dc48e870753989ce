import { Router } from 'express';
import { z } from 'zod';
import { AREA_ROLES, type Role } from '../auth/roles.js';
import { requireRole, userOf } from '../auth/authorize.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { ProblemsError } from '../http/json-errors.js';
import { authErrors, error, json, output, ulnParam } from '../http/openapi-parts.js';
import { LIMITS } from '../http/limits.js';
import { valueOrThrow } from '../http/results.js';
import { openApiPath, paths, routes } from '../paths.js';
import { STORED_MEDIA_TYPES, TAKEN_KINDS } from './rules.js';
import { attachReceived, receivedEvidence, sendEvidenceFile } from './pages.js';
import { evidenceFileFor, evidenceRecord, filesOf } from './service.js';
import type { EvidenceStorage } from './storage.js';

/*
 * The evidence store in the JSON API: a gateway item's files listed and uploaded (multipart, the
 * file in the field `evidenceFile`, read by acceptEvidence in src/evidence/pages.ts before the
 * API's JSON body rules), and any file downloaded by whoever may see its record. The same
 * service as the pages, so the same scope.
 */

const fileSchema = z.object({
  id: z.int(),
  fileName: z.string(),
  size: z.int(),
  mediaType: z.string(),
  uploadedAt: z.string(),
  uploadedBy: z.string().nullable(),
  download: z.string(),
});
const filesSchema = z.object({ uln: z.string(), itemId: z.string(), files: z.array(fileSchema) });
const qualificationFilesSchema = z.object({ uln: z.string(), qualificationId: z.int(), files: z.array(fileSchema) });
const bookingFilesSchema = z.object({ uln: z.string(), bookingId: z.int(), files: z.array(fileSchema) });

/** The records whose files the API lists and takes: their route, their type, and the key that names one in the list's JSON. */
const RECORDS = [
  [routes.api.apprentices.gatewayItemFiles, 'gateway_item', 'itemId'],
  [routes.api.apprentices.qualificationFiles, 'qualification', 'qualificationId'],
  [routes.api.bookings.files, 'booking', 'bookingId'],
] as const;
/** Who may ask at all (the record's own rules then decide): a booking's evidence is its assessor's and the quality assurers' too. */
const ROLES = {
  view: (recordType: string): readonly Role[] =>
    recordType === 'booking' ? ['admin', 'provider', 'assessor', 'quality_assurer'] : AREA_ROLES.apprentices,
  edit: (recordType: string): readonly Role[] =>
    recordType === 'booking' ? [...AREA_ROLES.apprenticeEditors, 'assessor'] : AREA_ROLES.apprenticeEditors,
};
/** Every upload's path, as a pattern: its multipart body is read (acceptEvidence) before the API's JSON rules. */
export const EVIDENCE_UPLOADS = RECORDS.map(
  ([route, recordType]) => [new RegExp(`^${route.replace(/:[A-Za-z]+/g, '[^/]+')}$`), route, recordType] as const,
);
const keyValue = (key: (typeof RECORDS)[number][2], recordKey: string) =>
  key === 'itemId' ? recordKey : Number(recordKey);

const downloadPath = (id: number) => `${paths.api.root}${paths.api.apprentices.evidenceFile(id)}`;

export function evidenceApi(db: Db, storage: EvidenceStorage, clock: Clock): Router {
  const router = Router();
  // Any file is downloaded by whoever may see its record (evidenceFileFor).
  const downloaders = requireRole(...AREA_ROLES.apprentices, 'assessor', 'quality_assurer');

  const listOf = (record: Parameters<typeof filesOf>[1]) =>
    filesOf(db, record).map((f) => ({ ...f, download: downloadPath(f.id) }));

  // A gateway item's files, an English or maths qualification's and an assessment's, alike.
  for (const [route, recordType, key] of RECORDS) {
    router.get(route, requireRole(...ROLES.view(recordType)), (req, res) => {
      const record = valueOrThrow(evidenceRecord(db, userOf(res), recordType, req.params, 'view'));
      res.json({ uln: record.apprentice?.uln ?? null, [key]: keyValue(key, record.recordKey), files: listOf(record) });
    });

    router.post(route, requireRole(...ROLES.edit(recordType)), (req, res) => {
      const received = receivedEvidence(req);
      if (!received)
        throw new ProblemsError(422, [
          { path: 'evidenceFile', message: 'Send the file as multipart/form-data, in the field evidenceFile' },
        ]);
      if ('refused' in received)
        throw new ProblemsError(received.status, [{ path: 'evidenceFile', message: received.refused }]);
      const done = valueOrThrow(attachReceived(db, clock, recordType, req.params, res, received));
      const file = listOf(done).find((f) => f.id === done.id)!;
      res.status(201).location(file.download).json(file);
    });
  }

  router.get(routes.api.apprentices.evidenceFile, downloaders, (req, res, next) =>
    sendEvidenceFile(storage, valueOrThrow(evidenceFileFor(db, userOf(res), req.params.id)), res, next),
  );

  return router;
}

const itemParam = { name: 'itemId', in: 'path', required: true, schema: { type: 'string' } };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } };

/** A record's files in the OpenAPI document: listed, and a file uploaded. */
function recordFilesOpenApi(record: {
  what: string;
  upload: string;
  params: object[];
  list: z.ZodType;
  missing: string;
  /** Who is refused a list outright (403), and who an upload. */
  refused: { list: string | null; upload: string };
  /** When a record takes no more files (409). */
  closed?: string;
}): Record<string, unknown> {
  return {
    get: {
      summary: `The files uploaded to ${record.what}`,
      parameters: record.params,
      responses: {
        '200': json(output(record.list), 'The files, the first uploaded first, each with its download address'),
        ...authErrors,
        ...(record.refused.list ? { '403': error(record.refused.list) } : {}),
        '404': error(record.missing),
      },
    },
    post: {
      summary: `${record.upload}: ${TAKEN_KINDS}; each kind up to the assessment organisation’s limit (${LIMITS.evidenceFileLabel} at most), streamed to the evidence store and judged by its content`,
      parameters: record.params,
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['evidenceFile'],
              properties: { evidenceFile: { type: 'string', format: 'binary' } },
            },
          },
        },
      },
      responses: {
        '201': json(output(fileSchema), 'Stored; Location is its download address'),
        '400': error('The multipart body could not be read, or had more than one file'),
        ...authErrors,
        '403': error(record.refused.upload),
        '404': error(record.missing),
        ...(record.closed ? { '409': error(record.closed) } : {}),
        '413': error(
          `The file is larger than the assessment organisation’s limit for its kind (documents, images or recordings; ${LIMITS.evidenceFileLabel} at most)`,
        ),
        '422': error('No file, or a kind of file not taken (a program, a script, a web page, an archive…)'),
      },
    },
  };
}

export const evidenceOpenApi: Record<string, unknown> = {
  [openApiPath(routes.api.apprentices.gatewayItemFiles)]: recordFilesOpenApi({
    what: 'a gateway item of the apprentice’s plan',
    upload: 'Upload a file to a gateway item (recording it as in place)',
    params: [ulnParam, itemParam],
    list: filesSchema,
    missing: 'No such apprentice in your scope, or no such gateway item in their plan',
    refused: {
      list: 'Assessors and quality assurers',
      upload: 'You may see this apprentice but not add to their record',
    },
  }),
  [openApiPath(routes.api.apprentices.qualificationFiles)]: recordFilesOpenApi({
    what: 'an English or maths qualification of the apprentice (its certificate)',
    upload:
      'Upload the certificate of an English or maths qualification (its id as GET /apprentices/{uln}/qualifications lists it)',
    params: [ulnParam, idParam],
    list: qualificationFilesSchema,
    missing: 'No such apprentice in your scope, or no such qualification of theirs',
    refused: {
      list: 'Assessors and quality assurers',
      upload: 'You may see this apprentice but not add to their record',
    },
  }),
  [openApiPath(routes.api.bookings.files)]: recordFilesOpenApi({
    what: 'an assessment (a booking): the project report, the presentation, the recording',
    upload:
      'Upload a file of an assessment’s evidence (its assessor, the apprentice’s provider and administrators; after its grading is submitted, administrators only)',
    params: [idParam],
    list: bookingFilesSchema,
    missing: 'No such booking in your records',
    refused: {
      list: 'Employers: an assessment’s evidence may speak of health',
      upload: 'Employers and quality assurers',
    },
    closed: 'The assessment did not take place, or its grading is submitted (then administrators only)',
  }),
  [openApiPath(routes.api.apprentices.evidenceFile)]: {
    get: {
      summary: 'Download a file of the evidence store, for someone who may see its record',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      responses: {
        '200': {
          description: 'The file, as an attachment under its own name, with the type judged on upload',
          content: Object.fromEntries(
            STORED_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
          ),
        },
        ...authErrors,
        '403': error('Assessors and quality assurers'),
        '404': error('No such file, or its record is not in your scope'),
      },
    },
  },
};

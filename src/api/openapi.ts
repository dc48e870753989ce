import { z } from 'zod';
import { planFileSchema } from '../plans/schema.js';
import { standardFileSchema, standardReference, standardVersion } from '../standards/schema.js';

export const problemSchema = z.object({ path: z.string(), message: z.string() });
export const errorsSchema = z.object({ errors: z.array(problemSchema) });

export const standardSummarySchema = z.object({
  reference: standardReference,
  version: standardVersion,
  title: z.string(),
  level: z.int(),
  status: z.string(),
  route: z.string(),
  planId: z.string().nullable(),
});
export const standardListSchema = z.object({ standards: z.array(standardSummarySchema) });
export const planImportedSchema = z.object({ id: z.string(), replaced: z.boolean() });

type Schema = Record<string, unknown>;
const output = (schema: z.ZodType): Schema => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
const input = (schema: z.ZodType): Schema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json({ $ref: '#/components/schemas/Errors' }, description);
const standardPathParams = [
  { name: 'reference', in: 'path', required: true, schema: output(standardReference), example: 'ST0815' },
  { name: 'version', in: 'path', required: true, schema: output(standardVersion), example: '1.0' },
];
const authErrors = { '401': error('No API token, or one that is not valid') };

let cached: Schema | undefined;

/**
 * The OpenAPI 3.1 description of /api/v1, generated from the same zod schemas that
 * validate requests and shape responses, so the two cannot drift apart.
 */
export function openApiDocument(): Schema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'EPA platform API',
      version: '1.0.0',
      description: 'Standards, assessment plans and (as the platform grows) apprentices, bookings and results. Authenticate with `Authorization: Bearer <token>`; tokens come from `npm run admin -- create-token` or the Users page. Every error has the shape `{ "errors": [ { "path", "message" } ] }`. Bodies over 1 MB are refused with 413.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Errors: output(errorsSchema),
        Standard: output(standardFileSchema),
        Plan: output(planFileSchema),
        PlanInput: input(planFileSchema),
      },
    },
    paths: {
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'The OpenAPI document' } } },
      },
      '/standards': {
        get: { summary: 'List the standard versions in the catalogue', responses: { '200': json(output(standardListSchema), 'The catalogue'), ...authErrors } },
      },
      '/standards/{reference}/{version}': {
        get: {
          summary: 'One standard version with its duties and KSBs',
          parameters: standardPathParams,
          responses: { '200': json({ $ref: '#/components/schemas/Standard' }, 'The standard version'), ...authErrors, '404': error('No such standard version') },
        },
      },
      '/standards/{reference}/{version}/plan': {
        get: {
          summary: 'The assessment plan of a standard version',
          parameters: standardPathParams,
          responses: { '200': json({ $ref: '#/components/schemas/Plan' }, 'The plan'), ...authErrors, '404': error('No such standard version, or no plan loaded') },
        },
      },
      '/plans': {
        post: {
          summary: 'Import or replace the assessment plan of a standard version (admin)',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PlanInput' } } } },
          responses: {
            '201': json(output(planImportedSchema), 'Imported'),
            '200': json(output(planImportedSchema), 'Replaced the earlier plan of that standard version'),
            '400': error('The body is not JSON'),
            ...authErrors,
            '403': error('Only administrators may import plans'),
            '413': error('Body over 1 MB'),
            '422': error('The plan has problems; each names its place in the document. Nothing was changed'),
          },
        },
      },
    },
  };
  return cached;
}

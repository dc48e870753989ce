import { z } from 'zod';

/** Building blocks of the OpenAPI document, shared by every feature that describes its API. */
export type Schema = Record<string, unknown>;
export const output = (schema: z.ZodType): Schema => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
export const input = (schema: z.ZodType): Schema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
export const json = (schema: Schema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
export const error = (description: string) => json({ $ref: '#/components/schemas/Errors' }, description);
export const authErrors = { '401': error('No API token, or one that is not valid') };
export const body = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: input(schema) } },
});
export const ulnParam = { name: 'uln', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{10}$' } };
export const pageParam = {
  name: 'page',
  in: 'query',
  schema: { type: 'integer', minimum: 1, default: 1 },
  description: 'The page of 50 to return; the answer says how many pages there are',
};

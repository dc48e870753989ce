import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openApiDocument } from '../../src/api/openapi.js';

/*
 * The API document is the API's contract: every response the suite receives from /api/v1 is
 * checked against it, as a client generated from the document would read it. Its status must be
 * declared on the operation, its content type must be one the response declares, and a JSON body
 * must match the declared schema (ajv, JSON Schema 2020-12, as OpenAPI 3.1 uses). A problem fails
 * the test that received the response (the root hook in test/support/hooks.ts).
 */

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
type PathItem = Record<string, Operation>;

const BASE = '/api/v1';
const document = openApiDocument() as { paths: Record<string, PathItem> };
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema(document, 'openapi');

/** Each documented path as a pattern over the request path ({uln} and the like match one segment). */
const ROUTES = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map<string, ValidateFunction>();
function validatorFor(template: string, method: string, status: string, type: string): ValidateFunction {
  const ref = `openapi#/${pointer('paths', template, method, 'responses', status, 'content', type, 'schema')}`;
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
  return validate;
}

/** What is wrong with one response, judged by the document (nothing for a path the document does not cover). */
export function contractProblems(
  method: string,
  url: string,
  status: number,
  contentType: string,
  body: Buffer,
): string[] {
  // Matched as sent: a template's parameter matches any one segment, encoded or not.
  const path = url.split('?')[0]!.slice(BASE.length) || '/';
  const route = ROUTES.find((r) => r.pattern.test(path));
  const where = `${method} ${url.split('?')[0]} → ${status}`;
  if (!route) return status === 404 ? [] : [`${where}: no such path in the API document`];
  const operation = document.paths[route.template]![method.toLowerCase()];
  // A method the path does not have is answered by the router (404 or 405); anything else is an operation the document lacks.
  if (!operation)
    return [404, 405].includes(status) ? [] : [`${where}: ${method} ${route.template} is not in the document`];
  const declared = operation.responses?.[String(status)] ?? operation.responses?.[`${String(status)[0]}XX`];
  if (!declared) return [`${where}: status ${status} is not declared for ${method} ${route.template}`];
  const types = Object.keys(declared.content ?? {});
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  if (types.length === 0)
    return body.length > 0 && status !== 204 ? [`${where}: a body the document does not declare`] : [];
  if (!types.includes(media)) return [`${where}: ${media || 'no content type'}, not ${types.join(' or ')}`];
  if (media !== 'application/json' || !declared.content![media]!.schema) return [];
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return [`${where}: a body that is not JSON`];
  }
  const validate = validatorFor(route.template, method.toLowerCase(), String(status), media);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) => `${where}: ${e.instancePath || '(body)'} ${e.message ?? 'does not match'} ${JSON.stringify(e.params)}`,
  );
}

const problems: string[] = [];

/** The problems found since last asked, emptied. */
export function takeContractProblems(): string[] {
  return problems.splice(0);
}

/**
 * The app as the tests call it, with every /api/v1 response checked against the document
 * (a Proxy: everything else about the app is unchanged).
 */
export function checkingContract<T extends (req: IncomingMessage, res: ServerResponse) => unknown>(app: T): T {
  return new Proxy(app, {
    apply(target, self, args: [IncomingMessage, ServerResponse]) {
      const [req, res] = args;
      const url = req.url ?? '';
      if (url.startsWith(`${BASE}/`) || url === BASE) {
        const chunks: Buffer[] = [];
        const keep = (chunk: unknown, encoding?: unknown) => {
          if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
          chunks.push(
            Buffer.isBuffer(chunk)
              ? chunk
              : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
          );
        };
        const write = res.write.bind(res) as (...a: unknown[]) => boolean;
        const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
        res.write = ((...a: unknown[]) => {
          keep(a[0], a[1]);
          return write(...a);
        }) as typeof res.write;
        res.end = ((...a: unknown[]) => {
          keep(a[0], a[1]);
          return end(...a);
        }) as typeof res.end;
        res.on('finish', () => {
          problems.push(
            ...contractProblems(
              req.method ?? 'GET',
              url,
              res.statusCode,
              String(res.getHeader('content-type') ?? ''),
              Buffer.concat(chunks),
            ),
          );
        });
      }
      return Reflect.apply(target, self, args);
    },
  });
}

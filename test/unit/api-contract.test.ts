import { expect } from 'chai';
import { openApiDocument } from '../../src/api/openapi.js';
import { contractProblems } from '../support/api-contract.js';

type Operation = { operationId?: string; requestBody?: unknown; responses: Record<string, { content?: object }> };
const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ where: `${method} ${path}`, method, operation })),
);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const ERRORS = json({ errors: [{ path: 'uln', message: 'Enter a ULN' }] });

describe('the API document', () => {
  it('gives every operation its own operationId', () => {
    const ids = operations.map((o) => o.operation.operationId);
    expect(ids.filter((id) => !id)).to.deep.equal([]);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(doc.paths['/apprentices/{uln}/gateway']!.get!.operationId).to.equal('getApprenticesUlnGateway');
  });

  it('gives every success response with a body its schema', () => {
    const bare = operations.flatMap(({ where, operation }) =>
      Object.entries(operation.responses)
        .filter(([status, response]) => status.startsWith('2') && status !== '204' && !response.content)
        .map(([status]) => `${where} ${status}`),
    );
    expect(bare).to.deep.equal([]);
  });

  it('declares 400 on every operation, and 413 and 415 on every one that takes a body', () => {
    const missing = operations.flatMap(({ where, method, operation }) =>
      ['400', ...(method === 'get' ? [] : ['413', '415'])]
        .filter((status) => !operation.responses[status])
        .map((status) => `${where} ${status}`),
    );
    expect(missing).to.deep.equal([]);
  });
});

describe('the API contract check (test/support/api-contract.ts)', () => {
  it('accepts a response the document declares, as declared', () => {
    expect(contractProblems('GET', '/api/v1/apprentices/1234567890', 404, 'application/json', ERRORS)).to.deep.equal(
      [],
    );
    expect(
      contractProblems(
        'POST',
        '/api/v1/assessors/7/unavailability',
        201,
        'application/json; charset=utf-8',
        json({
          assessorUserId: 7,
        }),
      ),
    ).to.deep.equal([]);
  });

  it('refuses a status the operation does not declare', () => {
    expect(contractProblems('GET', '/api/v1/apprentices/1234567890', 409, 'application/json', ERRORS)).to.deep.equal([
      'GET /api/v1/apprentices/1234567890 → 409: status 409 is not declared for GET /apprentices/{uln}',
    ]);
  });

  it('refuses a body that does not match its schema, naming where', () => {
    const problems = contractProblems(
      'POST',
      '/api/v1/assessors/7/unavailability',
      201,
      'application/json',
      json({
        assessorUserId: 'seven',
      }),
    );
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(
      /^POST \/api\/v1\/assessors\/7\/unavailability → 201: \/assessorUserId must be integer/,
    );
  });

  it('refuses another content type than the one declared, and a path the document does not have', () => {
    expect(
      contractProblems('GET', '/api/v1/apprentices/1234567890', 404, 'text/html', Buffer.from('<p>')),
    ).to.deep.equal(['GET /api/v1/apprentices/1234567890 → 404: text/html, not application/json']);
    expect(contractProblems('GET', '/api/v1/nothing-here', 200, 'application/json', json({}))).to.deep.equal([
      'GET /api/v1/nothing-here → 200: no such path in the API document',
    ]);
  });
});

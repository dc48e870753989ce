import { expect } from 'chai';
import { serviceClient } from '../../src/certificates/client.js';

/** A fetch that answers from a script, recording each call. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
  const calls: { url: string; key: string | null; body: string }[] = [];
  const fake = (async (url: string, init?: RequestInit) => {
    calls.push({
      url,
      key: new Headers(init?.headers).get('ocp-apim-subscription-key'),
      body: typeof init?.body === 'string' ? init.body : '',
    });
    const next = answers.shift();
    if (!next) throw new Error('No more answers scripted');
    return next();
  }) as typeof fetch;
  return { fake, calls };
}
const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the apprenticeship service client', () => {
  it('sends the batch as JSON with the subscription key, and gives each item’s answer', async () => {
    const { fake, calls } = scripted([json(200, [{ requestId: 'attempt-1', validationErrors: [] }])]);
    const client = serviceClient({
      url: 'https://service.example',
      key: 'k-123456',
      fetch: fake,
      sleep: async () => {},
    });
    const answer = await client.createCertificates([{ RequestId: 'attempt-1' }]);
    expect(answer).to.deep.equal({ ok: true, items: [{ requestId: 'attempt-1', validationErrors: [] }] });
    expect(calls).to.deep.equal([
      { url: 'https://service.example/api/v1/certificate', key: 'k-123456', body: '[{"RequestId":"attempt-1"}]' },
    ]);
  });

  it('tries a lookup again after a growing pause when the service is busy, failing or cannot be reached, then gives up', async () => {
    const pauses: number[] = [];
    const { fake, calls } = scripted([
      json(503, { statusCode: 503, message: 'Unavailable' }),
      () => Promise.reject(new Error('socket hang up')),
      json(500, { statusCode: 500, message: 'Broken' }),
      json(200, { learnerData: {} }),
    ]);
    const client = serviceClient({
      url: 'https://service.example',
      key: 'k-123456',
      fetch: fake,
      sleep: (ms) => {
        pauses.push(ms);
        return Promise.resolve();
      },
    });
    expect(await client.learner('1234567890', 'O’Neill', 'ST0815')).to.deep.equal({
      ok: true,
      items: [{ learnerData: {} }],
    });
    expect(calls.map((c) => c.url)).to.deep.equal(
      Array(4).fill('https://service.example/api/v1/learner/1234567890/O%E2%80%99Neill/ST0815'),
    );
    expect(pauses).to.deep.equal([250, 500, 1000]);

    const down = scripted([1, 2, 3, 4].map(() => json(503, { statusCode: 503, message: 'Unavailable' })));
    const failing = serviceClient({
      url: 'https://s.example',
      key: 'k-123456',
      fetch: down.fake,
      sleep: async () => {},
    });
    expect(await failing.submitCertificates([])).to.deep.equal({
      ok: false,
      status: 503,
      message: 'The service answered 503: Unavailable',
      serviceMessage: 'Unavailable',
    });
    expect(down.calls).to.have.length(4);
  });

  it('never posts twice when the answer may have been lost: a dropped connection or a 500 is reported, not retried', async () => {
    for (const failure of [
      () => Promise.reject(new Error('socket hang up')),
      json(500, { statusCode: 500, message: 'Broken' }),
    ]) {
      const { fake, calls } = scripted([failure, json(200, [])]);
      const client = serviceClient({ url: 'https://s.example', key: 'k-123456', fetch: fake, sleep: async () => {} });
      expect((await client.createCertificates([{ RequestId: 'attempt-1' }])).ok).to.equal(false);
      expect(calls).to.have.length(1);
    }
  });

  it('tries an EPA record update again after a dropped connection or a 500: it replaces the record with the same outcomes', async () => {
    const { fake, calls } = scripted([
      () => Promise.reject(new Error('socket hang up')),
      json(500, { statusCode: 500, message: 'Broken' }),
      json(200, [{ requestId: 'attempt-2', epaReference: '00000042', validationErrors: [] }]),
    ]);
    const client = serviceClient({ url: 'https://s.example', key: 'k-123456', fetch: fake, sleep: async () => {} });
    expect(await client.updateEpaRecords([{ RequestId: 'attempt-2' }])).to.deep.equal({
      ok: true,
      items: [{ requestId: 'attempt-2', epaReference: '00000042', validationErrors: [] }],
    });
    expect(calls.map((c) => [c.url, c.body])).to.deep.equal(
      Array(3).fill(['https://s.example/api/v1/epa', '[{"RequestId":"attempt-2"}]']),
    );
  });

  it('does not try again when the service refuses the call itself (its 403 for a batch over 25)', async () => {
    const { fake, calls } = scripted([json(403, { statusCode: 403, message: 'Batch limited to 25 requests' })]);
    const client = serviceClient({
      url: 'https://service.example',
      key: 'k-123456',
      fetch: fake,
      sleep: async () => {},
    });
    expect(await client.createCertificates([])).to.deep.equal({
      ok: false,
      status: 403,
      message: 'The service answered 403: Batch limited to 25 requests',
      serviceMessage: 'Batch limited to 25 requests',
    });
    expect(calls).to.have.length(1);
  });
});

import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { bodyUpTo } from '../../src/http/csv-body.js';

/*
 * A body read as it arrives (src/http/csv-body.ts) is refused as stalled only when nothing has
 * come for its idle time, not when this thread was too busy to read what had come, nor while a
 * compressed body's bytes that had come were still being decompressed.
 */
describe('a request body read as it arrives', () => {
  const idleMs = 200;
  let server: http.Server;
  let port: number;
  let seen: string[];
  beforeEach(() => {
    seen = [];
    server = http.createServer((req, res) => {
      void (async () => {
        let first = true;
        try {
          for await (const chunk of bodyUpTo(req, 1_000, 'too large', idleMs)) {
            seen.push(Buffer.from(chunk).toString());
            if (first) {
              first = false;
              // Other work holds the thread past the idle time, just as the second piece is sent.
              setTimeout(() => {
                const until = performance.now() + idleMs * 2;
                while (performance.now() < until);
              }, 5);
            }
          }
          res.end('whole');
        } catch (error) {
          res.statusCode = (error as { status?: number }).status ?? 500;
          res.end((error as Error).message);
        }
      })();
    });
    server.listen(0);
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  /**
   * Sends `pieces`, each after its pause (ms), gzipped or not; `end` ends the body. Each piece is
   * gzipped beforehand, as a member of its own (a gzip body may hold several), so that it goes
   * out at once, as from a client elsewhere.
   */
  const post = (pieces: [number, string][], end: boolean, gzip = false) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request({
        port,
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'text/csv', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      });
      request.on('response', (res) => {
        let body = '';
        res.on('data', (text: Buffer) => (body += text.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      request.on('error', reject);
      void (async () => {
        for (const [pause, text] of pieces) {
          await new Promise((resolve) => setTimeout(resolve, pause));
          request.write(gzip ? zlib.gzipSync(text) : text);
        }
        if (end) request.end();
      })();
    });

  for (const gzip of [false, true])
    it(`takes bytes that came while the thread was busy past the idle time${gzip ? ', gzipped' : ''}`, async () => {
      const busy = await post(
        [
          [0, 'uln\n'],
          [20, '1000000043\n'],
        ],
        true,
        gzip,
      );
      expect(busy).to.deep.equal({ status: 200, body: 'whole' });
      expect(seen.join('')).to.equal('uln\n1000000043\n');
    });

  it('refuses a body that has truly stopped arriving', async () => {
    const stalled = await post([[0, 'uln\n']], false);
    expect(stalled.status).to.equal(408);
    expect(stalled.body).to.equal(
      'The request body stopped arriving: nothing came for 0.2 seconds, so nothing was imported. Send it again.',
    );
  });
});

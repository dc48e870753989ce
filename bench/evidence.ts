import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseApprenticeCsv } from '../src/apprentices/import.js';
import { addApprentices } from '../src/apprentices/store.js';
import { SYSTEM_ACTOR } from '../src/audit/audit.js';
import { DEMO_PASSWORD } from '../src/demo/index.js';
import { benchAdmin, csvOf, freshDb, signInCookie } from './gateway.js';
import { startServer, whileSampling } from './load-process.js';

/** A recording just under the evidence store's 2 GB limit. */
const BYTES = 2 * 1024 ** 3 - 2 ** 20;
const CHUNK = 2 ** 20;

/**
 * A 2 GB recording uploaded to a gateway item through the page, to the real app in a process of
 * its own, generated as it is sent (the bench holds none of it): its time, and the server's memory
 * rise while it streams to disk, beside the same for a 1 MB file in the same run.
 */
export async function runEvidenceBench(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-evidence-bench-'));
  try {
    const db = freshDb(dir, 'evidence');
    const rows = parseApprenticeCsv(csvOf(1, 500_000_000)).rows;
    if (!addApprentices(db, rows, SYSTEM_ACTOR, 'bench').ok) throw new Error('bench apprentice refused');
    const uln = rows[0]!.input.uln;
    const email = 'bench-evidence@example.org';
    await benchAdmin(db, email);
    const file = db.$client.name;
    db.$client.close();
    const app = await startServer('app', file);
    try {
      const cookie = await signInCookie(app.base, email, DEMO_PASSWORD);
      const itemUrl = `${app.base}/apprentices/${uln}/gateway-items/portfolio`;
      const upload = async (bytes: number) => {
        const page = await fetch(itemUrl, { headers: { cookie } });
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
        if (!csrf) throw new Error(`the gateway item page answered ${page.status}`);
        const {
          value: status,
          seconds,
          riseMb,
        } = await whileSampling(app, async () => {
          const answer = await fetch(`${itemUrl}/files`, {
            method: 'POST',
            headers: { cookie, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
            body: multipartStream(csrf, bytes),
            duplex: 'half',
            redirect: 'manual',
          });
          await answer.text();
          return answer.status;
        });
        if (status !== 302) throw new Error(`the upload answered ${status}`);
        return { seconds, rise: riseMb };
      };
      const small = await upload(2 ** 20);
      const large = await upload(BYTES);
      console.log('Evidence store: a recording uploaded to a gateway item through the page');
      console.log(
        `  ${(BYTES / 1024 ** 3).toFixed(2)} GB: ${large.seconds.toFixed(1)} s (${(BYTES / 2 ** 20 / large.seconds).toFixed(0)} MB/s); the server's memory rose ${large.rise.toFixed(0)} MB, against ${small.rise.toFixed(0)} MB for a 1 MB file (${(large.rise - small.rise).toFixed(0)} MB more for 2,047 times the bytes)`,
      );
    } finally {
      await app.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const BOUNDARY = 'epa-bench-boundary-7d3f';

/** A multipart form with the CSRF token and one file of `bytes` bytes (a WebM header, then filler), made as it is read. */
function multipartStream(csrf: string, bytes: number): ReadableStream<Uint8Array> {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="evidenceFile"; filename="discussion.webm"\r\nContent-Type: video/webm\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const filler = Buffer.alloc(CHUNK, 0x42);
  filler.set([0x1a, 0x45, 0xdf, 0xa3], 0);
  let sent = 0;
  let stage: 'head' | 'body' | 'tail' | 'done' = 'head';
  return new ReadableStream({
    pull(controller) {
      if (stage === 'head') {
        controller.enqueue(head);
        stage = 'body';
      } else if (stage === 'body') {
        const n = Math.min(CHUNK, bytes - sent);
        // Each chunk a fresh view, so the stream never holds more than one.
        controller.enqueue(sent === 0 ? filler.subarray(0, n) : Buffer.alloc(n, 0x42));
        sent += n;
        if (sent >= bytes) stage = 'tail';
      } else if (stage === 'tail') {
        controller.enqueue(tail);
        stage = 'done';
      } else controller.close();
    },
  });
}

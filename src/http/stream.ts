import type { Response } from 'express';
import { setImmediate as turn } from 'node:timers/promises';

/*
 * A long download written as it is made: a chunk at a time, waiting whenever the client reads
 * slower than the file is made, and giving the event loop a turn between chunks so that everyone
 * else's requests are answered meanwhile. Only one chunk (one batch of rows) is in memory at once.
 * If making a chunk fails after the first has gone, the error goes on to the error handler, which
 * logs it and cuts the connection: the client sees a failed download, never a file that looks
 * whole but is not.
 */
export async function streamChunks(res: Response, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    // The client has gone: stop making the rest.
    if (res.destroyed) return;
    if (!res.write(chunk)) await drained(res);
    await turn();
  }
  res.end();
}

/** Resolves when the response can take more, or has closed. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

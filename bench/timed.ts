import { performance } from 'node:perf_hooks';

/** GET `url` with `cookie`: the milliseconds to its whole answer (anything but 200 throws). */
export async function timedGet(base: string, url: string, cookie: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${base}${url}`, { headers: { cookie } });
  await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - started;
}

/** Asks `/health` every 20 ms until stopped; resolves with the longest it took to answer. */
export function healthWaits(base: string): { stop: () => Promise<number> } {
  let asking = true;
  let worst = 0;
  const loop = (async () => {
    while (asking) {
      worst = Math.max(worst, await timedGet(base, '/health', ''));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      asking = false;
      await loop;
      return worst;
    },
  };
}

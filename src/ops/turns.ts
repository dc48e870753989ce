/**
 * Turns at heavy work: at most `atOnce` jobs run at a time and up to `waitingAtMost` more wait,
 * in order, for theirs. One more is refused at once with `busy()`. A crowd of large imports thus
 * cannot start more worker threads (each about 100 MB at 100,000 rows) than the server has room
 * for, and a refusal comes while the client can still try again later.
 */
export function turns(atOnce: number, waitingAtMost: number, busy: () => Error) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    /** Runs `work` in its turn: at once if one is free, after those waiting before it otherwise. */
    async take<T>(work: () => Promise<T>): Promise<T> {
      if (running < atOnce) running++;
      else if (waiting.length < waitingAtMost) await new Promise<void>((resolve) => waiting.push(resolve));
      else throw busy();
      try {
        return await work();
      } finally {
        // The turn passes straight to the first one waiting, if any.
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
    /** How many jobs run and how many wait, now. */
    get load() {
      return { running, waiting: waiting.length };
    },
  };
}

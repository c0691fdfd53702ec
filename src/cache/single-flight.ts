// Concurrent identical misses run the computation once; the others wait for
// it and share its answer (or its error). The wait is bounded: a follower
// that waited waitMs computes on its own rather than hang behind a stuck leader.
import { TimeoutError, withTimeout } from '../with-timeout.js';

export class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Computations actually started (tests and diagnostics). */
  started = 0;

  constructor(private readonly waitMs: number) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key) as Promise<T> | undefined;
    if (existing) {
      try {
        return await withTimeout(existing, this.waitMs);
      } catch (err) {
        if (!(err instanceof TimeoutError)) throw err;
        return this.start(fn);
      }
    }
    const p = this.start(fn).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private start<T>(fn: () => Promise<T>): Promise<T> {
    this.started++;
    return fn();
  }
}

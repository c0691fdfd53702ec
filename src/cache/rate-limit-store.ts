// Where rate-limit counters live. Fixed windows that start at a principal's
// first request in the window and last windowMs; the store returns the count
// after this request and the time left in the window.

export interface WindowCount {
  count: number;
  resetMs: number;
}

export interface RateLimitStore {
  /** Counts one request against key; rejects when the store is unavailable. */
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

/** Per-process counters: the store without Redis, and the fallback while Redis is unreachable. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    this.sweep(now, windowMs);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return { count: w.count, resetMs: w.resetAt - now };
  }

  // Expired windows are dropped once per window length, so the map holds only
  // principals active in the last window or two.
  private sweep(now: number, windowMs: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + windowMs;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}

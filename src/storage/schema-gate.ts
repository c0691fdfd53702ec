// Lets the service start while the database is down: migrations are retried in
// the background with backoff, and until they have run the API answers 503
// (with Retry-After) instead of failing on a missing table or refusing to boot.
import type { FastifyBaseLogger } from 'fastify';
import type { Driver } from './driver.js';
import { migrate } from './migrate.js';

export class SchemaGate {
  ready = false;
  private stopped = false;

  /**
   * Resolves once migrations (and then afterMigrate, e.g. the demo data) have
   * run, or the gate is stopped. The API opens only after both.
   */
  async runUntilReady(
    driver: Driver,
    log: Pick<FastifyBaseLogger, 'info' | 'warn'>,
    afterMigrate?: () => Promise<void>,
    maxDelayMs = 10_000,
  ): Promise<void> {
    let delay = 500;
    while (!this.stopped) {
      try {
        const res = await migrate(driver);
        if (res.applied.length) log.info({ applied: res.applied }, 'migrations applied');
        await afterMigrate?.();
        this.ready = true;
        return;
      } catch (err) {
        log.warn({ err: (err as Error).message, retry_in_ms: delay }, 'database not ready; retrying migrations');
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(maxDelayMs, delay * 2);
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

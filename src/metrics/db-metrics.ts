// Database metrics: query latency by kind (fed by the storage driver's
// observer), pool gauges and database liveness (read at scrape time).
import type { Driver, QueryKind } from '../storage/driver.js';
import { counter, gauge, histogram } from './registry.js';

export const dbQueryDuration = histogram(
  'db_query_duration_seconds',
  'Database statement time including the wait for a pooled connection, by query kind',
  ['kind'],
);

export const dbQueryErrors = counter('db_query_errors_total', 'Database statements that failed (including timeouts and cancellations), by query kind', [
  'kind',
]);

const poolTotal = gauge('db_pool_total_connections', 'Open database connections (idle and busy)');
const poolIdle = gauge('db_pool_idle_connections', 'Open database connections not running a statement');
const poolWaiting = gauge('db_pool_waiting_clients', 'Queries queued for a free database connection');

export const componentUp = gauge('tracelens_up', 'Whether a dependency answers (1) or not (0), checked at scrape time', ['component'], 'min');

export function recordDbQuery(kind: QueryKind, durationMs: number, ok: boolean): void {
  dbQueryDuration.observe({ kind }, durationMs / 1000);
  if (!ok) dbQueryErrors.inc({ kind });
}

/** Marks a dependency up or down; the cache module may report itself here too. */
export function setComponentUp(component: string, up: boolean): void {
  componentUp.set({ component }, up ? 1 : 0);
}

// Short: a scrape must not hang on a dead database (Prometheus' own timeout is 10 s).
const SCRAPE_PING_TIMEOUT_MS = 1000;

/**
 * Refreshes the gauges that are read rather than counted: the pool of the
 * driver serving this app, and a database ping for tracelens_up.
 */
export async function collectDriverGauges(driver: Driver): Promise<void> {
  const up = await driver
    .ping(SCRAPE_PING_TIMEOUT_MS)
    .then(() => true)
    .catch(() => false);
  setComponentUp('database', up);
  // Read after the ping so the ping's own connection is back in the pool.
  const stats = driver.poolStats();
  poolTotal.set(stats.total);
  poolIdle.set(stats.idle);
  poolWaiting.set(stats.waiting);
}

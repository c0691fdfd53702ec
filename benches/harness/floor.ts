// The raw database floor: the same SQL the API runs, through a bare pg pool
// at the same concurrency for the same time. API throughput is reported as a
// ratio to this, which makes a 2-core box's figures comparable.
import pg from 'pg';
import { summarize, type LatencySummary } from './stats.js';

export interface FloorQuery {
  sql: string;
  params: readonly unknown[];
}

/**
 * Pages per second through a bare pool: each sample runs one page's
 * statements in turn (the API's attempts, src/traces/search-service.ts).
 */
export async function runFloor(url: string, pages: readonly (FloorQuery | readonly FloorQuery[])[], connections: number, durationS: number): Promise<LatencySummary> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  const samples: number[] = [];
  let errors = 0;
  let n = 0;
  const deadline = performance.now() + durationS * 1000;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await pool.connect();
        try {
          while (performance.now() < deadline) {
            const p = pages[n++ % pages.length]!;
            const page = 'sql' in p ? [p] : p;
            const t0 = performance.now();
            try {
              for (const q of page) await client.query(q.sql, q.params as unknown[]);
              samples.push(performance.now() - t0);
            } catch {
              errors++;
            }
          }
        } finally {
          client.release();
        }
      }),
    );
  } finally {
    await pool.end();
  }
  return summarize(samples, (performance.now() - started) / 1000, errors);
}

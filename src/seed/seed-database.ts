// Writes generated spans: COPY on PostgreSQL, batched multi-row inserts on
// the embedded engine (which has no COPY FROM STDIN over this driver), then
// VACUUM (ANALYZE) so the planner sees the new data, and the GIN pending lists are merged, at once.
import type { Driver } from '../storage/driver.js';
import { ensurePartitions } from '../storage/partitions.js';
import { PostgresDriver } from '../storage/postgres.js';
import { copySpanRecords } from '../storage/span-copy.js';
import type { SpanRecord } from '../storage/span-record.js';
import { insertSpanRecords } from '../storage/span-writer.js';
import { generateSpans, type SeedOptions } from './generate.js';
import { PLANT_RARE_VALUES_SQL } from './rare-values.js';

export interface SeedRunOptions extends SeedOptions {
  /** Rows per COPY chunk or per INSERT. */
  batch: number;
  /** Parallel COPY streams on PostgreSQL (default 1). */
  jobs?: number;
  /** Force the multi-row INSERT path on PostgreSQL too (idempotent, slower). */
  insert?: boolean;
}

export interface SeedResult {
  rows: number;
  /** Rows actually new (the insert path skips spans that already exist). */
  inserted: number;
  method: 'copy' | 'insert';
  ms: number;
}

const DAY_MS = 86_400_000;

export class SeedConflictError extends Error {}

async function copyOnce(driver: PostgresDriver, batches: Iterator<SpanRecord[]>, onBatch: (rows: number) => void): Promise<void> {
  const client = await driver.pool.connect();
  try {
    // Bulk load: no statement timeout for this session, and a bigger GIN
    // pending list so full-text index maintenance is batched.
    await client.query("SET statement_timeout = 0; SET gin_pending_list_limit = '32MB'");
    await copySpanRecords(client, { [Symbol.iterator]: () => batches }, onBatch);
  } finally {
    client.release();
  }
}

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

export async function seedDatabase(driver: Driver, opts: SeedRunOptions, onProgress?: (done: number) => void): Promise<SeedResult> {
  const started = performance.now();
  const batches = chunks<SpanRecord>(generateSpans(opts), opts.batch);
  let done = 0;
  let inserted = 0;
  const useCopy = driver instanceof PostgresDriver && !opts.insert;
  // The day partitions of the whole range first: spans go to partitions the
  // planner can prune, not to the default partition.
  await ensurePartitions(driver, new Date(opts.end.getTime() - (opts.days + 1) * DAY_MS), new Date(opts.end.getTime() + DAY_MS));
  if (driver instanceof PostgresDriver && useCopy) {
    try {
      // Several COPY streams pull batches from the one generator: most of the
      // load time is PostgreSQL computing tsvectors and GIN entries, which
      // parallelizes across backends. Each stream is its own transaction.
      await Promise.all(
        Array.from({ length: Math.max(1, opts.jobs ?? 1) }, () =>
          copyOnce(driver, batches, (n) => {
            done += n;
            onProgress?.(done);
          }),
        ),
      );
      inserted = done;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new SeedConflictError('some of these spans already exist (same --seed and --end loaded before?); use another --seed, or --insert to skip existing spans');
      }
      throw err;
    }
  } else {
    for (const batch of batches) {
      inserted += await insertSpanRecords(driver, batch);
      done += batch.length;
      onProgress?.(done);
    }
  }
  // The benchmark's rare values (src/seed/rare-values.ts): a rule over the loaded rows.
  await driver.exec(PLANT_RARE_VALUES_SQL);
  // VACUUM, not only ANALYZE: a bulk load leaves the GIN indexes' pending lists
  // full, and full-text search does not use those indexes well until they are
  // merged (tracelens doctor flags it). Outside a transaction, as VACUUM requires.
  await driver.exec('VACUUM (ANALYZE) llm_traces');
  return { rows: done, inserted, method: useCopy ? 'copy' : 'insert', ms: performance.now() - started };
}

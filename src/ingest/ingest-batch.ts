// The ingest use case: validate, drop repeats inside the batch, write in one
// statement, report what was new. Acknowledged only after the commit.
import { authorizeIngest } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { Driver } from '../storage/driver.js';
import { spanKey, type SpanRecord } from '../storage/span-record.js';
import { insertSpanRecords } from '../storage/span-writer.js';
import { validateBatch } from './validate-batch.js';

export interface IngestResult {
  /** Spans in the request (all valid, or the request would have failed). */
  accepted: number;
  /** Spans stored by this request. */
  new: number;
  /** Spans already stored, or repeated earlier in the same batch. */
  duplicates: number;
}

/**
 * First occurrence wins, as it does across batches. Sorting by identity makes
 * concurrent batches lock index entries in the same order, so two overlapping
 * batches wait for each other instead of deadlocking.
 */
export function uniqueSorted(rows: readonly SpanRecord[]): SpanRecord[] {
  const seen = new Map<string, SpanRecord>();
  for (const r of rows) {
    const k = spanKey(r);
    if (!seen.has(k)) seen.set(k, r);
  }
  return [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
}

/**
 * The one idempotent write path of every ingest route: valid rows, any
 * number, in statements of at most `maxBatch` rows. Each statement commits on
 * its own, so after a failure part of the rows may be stored; resending them
 * all is safe (stored ones count as duplicates).
 */
export async function writeSpans(driver: Driver, rows: readonly SpanRecord[], maxBatch: number): Promise<Omit<IngestResult, 'accepted'>> {
  const unique = uniqueSorted(rows);
  let inserted = 0;
  for (let i = 0; i < unique.length; i += maxBatch) inserted += await insertSpanRecords(driver, unique.slice(i, i + maxBatch));
  return { new: inserted, duplicates: rows.length - inserted };
}

export async function ingestBatch(driver: Driver, principal: Principal, body: unknown, maxBatch: number): Promise<IngestResult> {
  authorizeIngest(principal);
  const rows = validateBatch(body, principal, maxBatch);
  return { accepted: rows.length, ...(await writeSpans(driver, rows, maxBatch)) };
}

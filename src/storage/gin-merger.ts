// Merges the GIN pending lists of llm_traces in the background, every
// GIN_MERGE_INTERVAL_MS (docs/performance.md, "Ingest and search together").
//
// GIN's fast update appends each new row's keys to a per-index pending list:
// cheap for the insert, and merged in sorted batches, which is what makes
// trigram and full-text indexes affordable under concurrent ingest (with fast
// update off, every insert locks the same hot posting-tree pages and ingest
// collapsed). But every search through the index scans the list linearly,
// and only (auto)vacuum or the insert that pushes a list past
// gin_pending_list_limit (4 MB) merges it. With autovacuum off, behind, or
// absent (the embedded engine), the lists sat at their limit under sustained
// ingest and searches paid for them. Merging every second keeps each list to
// about a second of ingest, off the request path, independent of autovacuum,
// for every GIN index of the table whichever migration created it.
import type { Driver } from './driver.js';
import { PARTITION_BOUNDS } from './partitions.js';
import { PeriodicTask, type TaskLog } from './periodic-task.js';

// Arbitrary constant: one merger at a time across all instances of the service.
const MERGE_LOCK_KEY = 727_364_517;

/**
 * gin_clean_pending_list returns the pending pages it merged; summed per index
 * of llm_traces (a partitioned index: its partitions' indexes). Partitions
 * that end more than two days ago take no ingest, so they are skipped, as a
 * vacuum has merged them; the default partition and a wide one from an
 * upgrade stay in.
 */
const MERGE_SQL = `
  SELECT root.relname AS name, sum(gin_clean_pending_list(c.oid))::int AS pages
    FROM pg_partition_tree($1::regclass) t
    JOIN pg_class p ON p.oid = t.relid
    LEFT JOIN (${PARTITION_BOUNDS}) b ON b.name = p.relname
    JOIN pg_index i ON i.indrelid = t.relid
    JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
    JOIN pg_class root ON root.oid = coalesce(pg_partition_root(c.oid), c.oid)
   WHERE t.isleaf AND a.amname = 'gin' AND (b.name IS NULL OR b.is_default OR b.hi > now() - interval '2 days')
   GROUP BY root.relname
   ORDER BY root.relname`;

export interface MergeResult {
  /** False when another instance held the merge lock. */
  ran: boolean;
  /** Pending pages merged, per index. */
  pages: Record<string, number>;
}

export class GinPendingMerger {
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: Driver,
    intervalMs: number,
    log?: TaskLog,
  ) {
    this.task = new PeriodicTask(intervalMs, () => this.mergeOnce(), 'GIN pending-list merge failed; retrying every interval', log);
  }

  /** One pass over every GIN index of llm_traces (none yet: nothing to do). */
  async mergeOnce(): Promise<MergeResult> {
    return this.db.transaction(async (tx) => {
      const lock = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [MERGE_LOCK_KEY], { kind: 'admin' });
      if (!lock.rows[0]?.ok) return { ran: false, pages: {} };
      const res = await tx.query<{ name: string; pages: number }>(MERGE_SQL, ['llm_traces'], { kind: 'admin' });
      return { ran: true, pages: Object.fromEntries(res.rows.map((r) => [r.name, r.pages])) };
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}

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

// Arbitrary constant: one merger at a time across all instances of the service.
const MERGE_LOCK_KEY = 727_364_517;

/** gin_clean_pending_list returns the pending pages it merged. */
const MERGE_SQL = `
  SELECT c.relname AS name, gin_clean_pending_list(c.oid)::int AS pages
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
   WHERE i.indrelid = to_regclass('llm_traces') AND a.amname = 'gin'
   ORDER BY c.relname`;

export interface MergeResult {
  /** False when another instance held the merge lock. */
  ran: boolean;
  /** Pending pages merged, per index. */
  pages: Record<string, number>;
}

export interface MergerLog {
  warn(obj: object, msg: string): void;
}

export class GinPendingMerger {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private failures = 0;

  constructor(
    private readonly db: Driver,
    private readonly intervalMs: number,
    private readonly log?: MergerLog,
  ) {}

  /** One pass over every GIN index of llm_traces (none yet: nothing to do). */
  async mergeOnce(): Promise<MergeResult> {
    return this.db.transaction(async (tx) => {
      const lock = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [MERGE_LOCK_KEY], { kind: 'admin' });
      if (!lock.rows[0]?.ok) return { ran: false, pages: {} };
      const res = await tx.query<{ name: string; pages: number }>(MERGE_SQL, [], { kind: 'admin' });
      return { ran: true, pages: Object.fromEntries(res.rows.map((r) => [r.name, r.pages])) };
    });
  }

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      // A pass still running (a large list after a bulk load) is not stacked on.
      if (this.running) return;
      this.running = this.mergeOnce()
        .then(() => (this.failures = 0))
        .catch((err: Error) => {
          // The database may be down or still migrating: the API reports that; log once per outage.
          if (this.failures++ === 0) this.log?.warn({ err: err.message }, 'GIN pending-list merge failed; retrying every interval');
        })
        .finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

// With ROLLUP_MODE=deferred, folds the pending rollup deltas into the rollups
// in the background, every ROLLUP_FOLD_INTERVAL_MS (migration 0014;
// docs/analytics.md, "Deferred rollups"). Each call of
// tracelens_rollup_fold() deletes a batch of pending rows and applies their
// deltas in one transaction, so a row is folded exactly once; the function
// takes an advisory lock, so one fold runs at a time across every instance
// (another instance's call returns -1 and this pass ends).
import type { Driver } from './driver.js';
import { PeriodicTask, type TaskLog } from './periodic-task.js';

/** Rows per fold transaction: bounds its length and the row locks it holds on the rollups. */
export const FOLD_BATCH = 20_000;
/**
 * The pending table is appended to and emptied all day: its dead rows are
 * vacuumed by the folder itself this often, since autovacuum may be off or
 * behind, and the embedded engine has none.
 */
const VACUUM_EVERY_MS = 30_000;

export interface FoldResult {
  /** False when another instance was folding. */
  ran: boolean;
  /** Pending rows folded by this pass. */
  rows: number;
}

export class RollupFolder {
  private readonly task: PeriodicTask;
  private lastVacuum = Date.now();

  constructor(
    private readonly db: Driver,
    intervalMs: number,
    log?: TaskLog,
  ) {
    this.task = new PeriodicTask(intervalMs, () => this.foldOnce(), 'rollup fold failed; retrying every interval', log);
  }

  /** Folds until nothing visible is pending (batch by batch). */
  async foldOnce(): Promise<FoldResult> {
    let rows = 0;
    for (;;) {
      const res = await this.db.query<{ n: number }>('SELECT tracelens_rollup_fold($1::int) AS n', [FOLD_BATCH], { kind: 'admin' });
      const n = res.rows[0]!.n;
      if (n < 0) return { ran: false, rows };
      rows += n;
      if (n < FOLD_BATCH) break;
    }
    if (Date.now() - this.lastVacuum >= VACUUM_EVERY_MS) {
      this.lastVacuum = Date.now();
      await this.db.exec('VACUUM tracelens_rollup_pending');
    }
    return { ran: true, rows };
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}

// How far back the first statement of a descending time page reaches
// (planPageSql's `recentSince`). PostgreSQL plans every partition a statement
// may touch, and planning costs about the same for an empty partition as for a
// full one (it opens each partition's indexes), so a page over the whole table
// pays for every partition kept (docs/scaling.md). The first statement is
// bounded to a recent stretch that, at the rate spans arrived lately, holds
// several windows of rows: a common filter fills its page there, and only a
// page the stretch cannot fill plans the whole range.
import type { Queryable } from '../storage/driver.js';
import { analysedPartitionRows, type PartitionRows } from '../storage/partitions.js';
import { WINDOW_ROWS } from './page-sql.js';

/** Rows the recent stretch should hold: several windows, so a filter of a few percent still fills a page from it. */
export const RECENT_ROWS = 8 * WINDOW_ROWS;
/** Partitions the arrival rate is measured over (the newest analysed ones). */
const RATE_PARTITIONS = 7;
/** Partition statistics change when a closed partition is analysed, rarely: read them once a minute. */
const STATS_TTL_MS = 60_000;

/**
 * Length in ms of a stretch that holds about `rows` spans at the rate of the
 * newest analysed partitions; null when no partition has statistics yet.
 */
export function recentSpanMs(partitions: readonly PartitionRows[], rows = RECENT_ROWS): number | null {
  let count = 0;
  let ms = 0;
  for (const p of partitions.slice(0, RATE_PARTITIONS)) {
    count += p.rows;
    ms += p.hi.getTime() - p.lo.getTime();
  }
  return count > 0 && ms > 0 ? Math.ceil((rows * ms) / count) : null;
}

class RecentWindow {
  private spanMs: number | null = null;
  private readAt = -Infinity;
  private pending: Promise<void> | null = null;

  constructor(private readonly db: Queryable) {}

  /** Start of the recent stretch below `upper` (ms), ISO; null while unknown. */
  async since(upper: number, now: number): Promise<string | null> {
    if (now - this.readAt > STATS_TTL_MS) await this.refresh(now);
    return this.spanMs === null ? null : new Date(upper - this.spanMs).toISOString();
  }

  private refresh(now: number): Promise<void> {
    // One catalog read at a time; concurrent pages wait for it.
    this.pending ??= analysedPartitionRows(this.db)
      .then(
        (rows) => {
          this.spanMs = recentSpanMs(rows);
        },
        () => {
          // Statistics are an optimisation: without them every page plans the whole range, as before.
          this.spanMs = null;
        },
      )
      .finally(() => {
        this.readAt = now;
        this.pending = null;
      });
    return this.pending;
  }
}

const windows = new WeakMap<Queryable, RecentWindow>();

/** The recent stretch of one database handle's spans (one statistics cache per handle). */
export function recentWindowOf(db: Queryable): RecentWindow {
  let w = windows.get(db);
  if (w === undefined) {
    w = new RecentWindow(db);
    windows.set(db, w);
  }
  return w;
}

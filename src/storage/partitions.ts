// Upkeep of the week partitions of llm_traces and retention (docs/operations.md,
// "Partitions and retention"): partitions created ahead of ingest, spans that
// landed in the default partition moved into their week's partition, whole
// partitions dropped past RETENTION_DAYS, rollup buckets dropped past their own
// longer horizons. The SQL work is in the functions of migrations 0009 and
// 0011 (UTC weeks; day partitions of databases made before 0011 stay until
// retention drops them); this module decides the dates. Both engines, `tracelens maintain` and the server.
import type { Driver, Queryable } from './driver.js';
import { ATTRIBUTE_NUMBERS, TABLE } from '../query/fields.js';
import { GRAIN_MS, GRAINS, type Grain } from '../analytics/catalog.js';

const DAY_MS = 86_400_000;
/** Days ahead of today (UTC) that always have a partition, so ingest never waits for one: next week's exists before it starts. */
export const PARTITION_AHEAD_DAYS = 7;

/**
 * How long rollup buckets are kept, in days, by grain, unless spans are kept
 * longer (a bucket is never dropped while its spans remain: the rollups stay
 * exact for every stored span). Minute buckets live as long as the spans:
 * they are the rollup nearest to raw data in size (docs/operations.md).
 * Applies to every rollup and histogram table of every family, found in the
 * catalog by name (llm_rollup_*1m, llm_latency_*1h, ...).
 */
export const ROLLUP_RETENTION_DAYS: Readonly<Record<Grain, number>> = { '1m': 0, '1h': 210, '1d': 3 * 365, '1w': 3 * 365 };

/** The rollup tables (with their grain) in the catalog: plain names, safe to interpolate. */
const GRAIN_SUFFIX = `(${GRAINS.join('|')})$`;
const ROLLUP_TABLES_SQL = `
  SELECT c.relname AS name, substring(c.relname FROM '${GRAIN_SUFFIX}') AS grain
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'bucket'
   WHERE c.relkind = 'r' AND pg_table_is_visible(c.oid) AND c.relname ~ '^llm_(rollup|latency)_[a-z0-9_]*${GRAIN_SUFFIX}'
   ORDER BY c.relname`;

// Arbitrary constant: one upkeep at a time across every instance of the service.
const UPKEEP_LOCK_KEY = 727_364_529;
/** DDL on llm_traces waits for running queries; never queue the API behind a long export. */
const LOCK_TIMEOUT = '5s';

const ADMIN = { kind: 'admin' } as const;

/**
 * The partitions of $1 with their bounds (lo inclusive, hi exclusive;
 * MINVALUE/MAXVALUE as -infinity/infinity; null for the default partition).
 */
export const PARTITION_BOUNDS = `
  SELECT c.relname AS name, b = 'DEFAULT' AS is_default,
         CASE WHEN b LIKE 'FOR VALUES FROM (MINVALUE)%' THEN '-infinity'::timestamptz
              ELSE substring(b FROM 'FROM \\(''([^'']+)''\\)')::timestamptz END AS lo,
         CASE WHEN b LIKE '% TO (MAXVALUE)' THEN 'infinity'::timestamptz
              ELSE substring(b FROM 'TO \\(''([^'']+)''\\)')::timestamptz END AS hi
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid, LATERAL pg_get_expr(c.relpartbound, c.oid) b
   WHERE i.inhparent = $1::regclass`;


/**
 * The partitions of $1 with a start (not the default partition, nor a wide
 * one from an upgrade whose range begins at MINVALUE), with their oid and
 * row count as of their last ANALYZE (-1: never).
 */
const BOUNDED_PARTITIONS = `
  SELECT b.name, b.lo, b.hi, c.oid, c.reltuples
    FROM (${PARTITION_BOUNDS}) b JOIN pg_class c ON c.relname = b.name AND pg_table_is_visible(c.oid)
   WHERE NOT b.is_default AND b.lo > '-infinity'`;

/** Start of the UTC day of t. */
export function utcDay(t: number): Date {
  return new Date(Math.floor(t / DAY_MS) * DAY_MS);
}

/** The first instant that retention keeps: the start of the UTC day RETENTION_DAYS before today. */
export function retentionCutoff(retentionDays: number, now: number): Date | null {
  return retentionDays > 0 ? new Date(utcDay(now).getTime() - retentionDays * DAY_MS) : null;
}

/** llm_trace_costs (migration 0010) describes traces, not buckets: it lives as long as the spans. */
const TRACE_COSTS_TABLE = 'llm_trace_costs';
const FIRST = (c: string) => `(array_agg(${c} ORDER BY ts, id))[1]`;

/**
 * Traces whose spans retention dropped leave llm_trace_costs; a trace that
 * had spans on both sides of the oldest stored span is recomputed from the
 * spans left. Returns the rows deleted.
 */
async function traceCostsUpkeep(tx: Queryable): Promise<number> {
  const oldest = `(SELECT coalesce(min(ts), 'infinity') FROM llm_traces)`;
  const gone = (await tx.query(`DELETE FROM ${TRACE_COSTS_TABLE} WHERE last_ts < ${oldest}`, [], ADMIN)).rowCount;
  await tx.query(
    `UPDATE ${TRACE_COSTS_TABLE} r SET (total_cost, span_count, total_tokens, first_ts, last_ts, first_id, first_span_name, first_user_id) = (
       SELECT coalesce(sum(total_cost_usd), 0), count(*), coalesce(sum(total_tokens), 0), coalesce(min(ts), r.first_ts), coalesce(max(ts), r.last_ts),
              coalesce(${FIRST('id')}, r.first_id), coalesce(${FIRST('span_name')}, r.first_span_name), ${FIRST('user_id')}
         FROM llm_traces t WHERE t.project_id = r.project_id AND t.trace_id = r.trace_id AND t.total_cost_usd > 0)
     WHERE r.first_ts < ${oldest}`,
    [],
    ADMIN,
  );
  return gone + (await tx.query(`DELETE FROM ${TRACE_COSTS_TABLE} WHERE span_count = 0`, [], ADMIN)).rowCount;
}

/** Partitions covering [from, to) (whole UTC weeks); returns how many were created. */
export async function ensurePartitions(db: Queryable, from: Date, to: Date): Promise<number> {
  const res = await db.query<{ n: number }>('SELECT tracelens_ensure_partitions($1, $2) AS n', [from, to], ADMIN);
  return Number(res.rows[0]?.n ?? 0);
}

export interface UpkeepResult {
  /** False when another instance was doing it. */
  ran: boolean;
  created: number;
  /** Weeks whose spans were moved out of the default partition into partitions of their own. */
  adopted: number;
  dropped: string[];
  /** Rollup rows past their horizon, per table. */
  rollupRowsDeleted: Record<string, number>;
  /** Entries of the side table of attribute numbers that belonged to dropped spans. */
  attributeNumbersDeleted?: number;
  /** Closed partitions never analysed before, analysed by this pass. */
  analysed?: string[];
}

/**
 * One pass: partitions ahead, the default partition's spans within the kept
 * range moved to week partitions (the planner prunes those), then retention.
 */
export async function partitionUpkeep(db: Pick<Driver, 'transaction' | 'query'>, retentionDays: number, now = Date.now()): Promise<UpkeepResult> {
  const cutoff = retentionCutoff(retentionDays, now);
  const res: UpkeepResult = await db.transaction(async (tx): Promise<UpkeepResult> => {
    const lock = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [UPKEEP_LOCK_KEY], ADMIN);
    if (!lock.rows[0]?.ok) return { ran: false, created: 0, adopted: 0, dropped: [], rollupRowsDeleted: {} };
    await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [LOCK_TIMEOUT], ADMIN);
    const today = utcDay(now).getTime();
    const created = await ensurePartitions(tx, new Date(today - DAY_MS), new Date(today + (PARTITION_AHEAD_DAYS + 1) * DAY_MS));
    // Far-future spans stay in the default partition until their week comes near.
    const adopted = await tx.query<{ n: number }>(
      `SELECT tracelens_ensure_partition_at(w) AS n
         FROM (SELECT DISTINCT date_trunc('week', ts, 'UTC') AS w FROM llm_traces_default
                WHERE ts >= coalesce($1::timestamptz, '-infinity') AND ts < $2) weeks`,
      [cutoff, new Date(today + (PARTITION_AHEAD_DAYS + 1) * DAY_MS)],
      ADMIN,
    );
    const dropped =
      cutoff === null
        ? []
        : (await tx.query<{ name: string }>('SELECT tracelens_drop_partitions_before($1) AS name', [cutoff], ADMIN)).rows.map((r) => r.name);
    // The attribute numbers of the dropped spans (migration 0012): every
    // entry older than the oldest span still stored. The table is a
    // prefilter, so an entry left over is harmless, one missing is not: never
    // past that oldest span.
    const attributeNumbersDeleted =
      dropped.length === 0
        ? 0
        : (
            await tx.query(
              `DELETE FROM ${ATTRIBUTE_NUMBERS} WHERE span_ts < coalesce((SELECT min(ts) FROM llm_traces), 'infinity'::timestamptz)`,
              [],
              ADMIN,
            )
          ).rowCount;
    const rollupRowsDeleted: Record<string, number> = {};
    if (retentionDays > 0) {
      const tables = await tx.query<{ name: string; grain: Grain }>(ROLLUP_TABLES_SQL, [], ADMIN);
      for (const { name, grain } of tables.rows) {
        const horizon = new Date(today - Math.max(ROLLUP_RETENTION_DAYS[grain], retentionDays) * DAY_MS);
        // Never past the oldest span still stored (one the retention could not
        // drop yet, in a wide partition from an upgrade): its buckets stay exact.
        // A bucket goes when all of it is past the horizon (a week row may start before it).
        rollupRowsDeleted[name] = (
          await tx.query(
            `DELETE FROM ${name} WHERE bucket <= least($1::timestamptz, (SELECT date_trunc('day', min(ts), 'UTC') FROM llm_traces)) - $2::interval`,
            [horizon, `${GRAIN_MS[grain] / 1000} seconds`],
            ADMIN,
          )
        ).rowCount;
      }
      rollupRowsDeleted[TRACE_COSTS_TABLE] = await traceCostsUpkeep(tx);
    }
    return {
      ran: true,
      created: created + adopted.rows.reduce((a, r) => a + Number(r.n), 0),
      adopted: adopted.rows.length,
      dropped,
      rollupRowsDeleted,
      attributeNumbersDeleted,
    };
  });
  // The parent's own statistics (join and grouping estimates over all
  // partitions), missing right after the upgrade migration: gathered here,
  // after the DDL's transaction, under a lock that blocks neither reads nor writes.
  if (res.ran) {
    const stats = await db.query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_stats WHERE tablename = 'llm_traces' AND inherited) AS ok`, [], ADMIN);
    if (!stats.rows[0]?.ok) await db.query('ANALYZE llm_traces', [], ADMIN);
    // A partition whose range has passed and whose statistics were taken
    // before it closed, or never (autovacuum off, or behind; a partition made
    // ahead counts the zero rows it had when its indexes were built):
    // searches read the recent arrival rate from these counts
    // (src/traces/recent-window.ts), so count it once more, for good. Names
    // come from the catalog.
    const uncounted = await db.query<{ name: string }>(
      `SELECT b.name FROM (${BOUNDED_PARTITIONS}) b LEFT JOIN pg_stat_user_tables s ON s.relid = b.oid
        WHERE b.hi <= $2 AND coalesce(greatest(s.last_analyze, s.last_autoanalyze), '-infinity') < b.hi`,
      [TABLE, new Date(now)],
      ADMIN,
    );
    for (const { name } of uncounted.rows) await db.query(`ANALYZE "${name}"`, [], ADMIN);
    res.analysed = uncounted.rows.map((r) => r.name);
  }
  return res;
}

/** A partition's bounds and its row count as of its last ANALYZE. */
export interface PartitionRows {
  lo: Date;
  hi: Date;
  rows: number;
}

/**
 * The bounded partitions of llm_traces that statistics have counted (never
 * the default partition, nor a wide one from an upgrade whose range has no
 * start), newest first. A partition never analysed has no count yet.
 */
export async function analysedPartitionRows(db: Queryable): Promise<PartitionRows[]> {
  const res = await db.query<{ lo: Date; hi: Date; rows: number }>(
    `SELECT b.lo, b.hi, b.reltuples::float8 AS rows FROM (${BOUNDED_PARTITIONS}) b
      WHERE b.hi < 'infinity' AND b.reltuples > 0 ORDER BY b.lo DESC`,
    [TABLE],
    ADMIN,
  );
  return res.rows.map((r) => ({ lo: new Date(r.lo), hi: new Date(r.hi), rows: Number(r.rows) }));
}

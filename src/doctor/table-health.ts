// Statistics and vacuum state of llm_traces: are the planner's statistics
// there, are dead rows piling up, and are new rows waiting for a VACUUM (whose
// GIN pending lists full-text search must scan unsorted until then)?
import { TABLE } from '../query/fields.js';
import { ADMIN, type CheckFamily, type CheckResult } from './check.js';

/** Share of dead rows, of rows changed since ANALYZE, of rows inserted since VACUUM, above which we warn. */
export const STALE_SHARE = 0.2;
/** Below this many rows changed a share means nothing (mirrors autovacuum's base thresholds). */
const MIN_ROWS = 1000;

/** pg_stat_user_tables as JSON, so columns newer servers add (n_ins_since_vacuum, PostgreSQL 13) are optional. */
interface TableStats {
  n_live_tup?: number;
  n_dead_tup?: number;
  n_mod_since_analyze?: number;
  n_ins_since_vacuum?: number;
  last_vacuum?: string | null;
  last_autovacuum?: string | null;
  last_analyze?: string | null;
  last_autoanalyze?: string | null;
}

const latest = (a?: string | null, b?: string | null) => (!a ? (b ?? null) : !b ? a : a > b ? a : b);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

export const tableHealth: CheckFamily = {
  id: 'table-health',
  async run({ db }) {
    // Whether statistics exist is read from pg_stats, which persists; the
    // pg_stat_user_tables counters and timestamps restart with the embedded engine.
    const res = await db.query<{ s: TableStats | null; has_stats: boolean; reltuples: number }>(
      `SELECT (SELECT to_jsonb(s) FROM pg_stat_user_tables s WHERE s.relid = c.oid) AS s,
              EXISTS (SELECT 1 FROM pg_stats p WHERE p.schemaname = n.nspname AND p.tablename = c.relname) AS has_stats,
              greatest(c.reltuples, 0)::float8 AS reltuples
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass`,
      [TABLE],
      ADMIN,
    );
    const row = res.rows[0]!;
    const s = row.s ?? {};
    const live = Number(s.n_live_tup ?? 0) || row.reltuples;
    const dead = Number(s.n_dead_tup ?? 0);
    const lastVacuum = latest(s.last_vacuum, s.last_autovacuum);
    const lastAnalyze = latest(s.last_analyze, s.last_autoanalyze);
    const vacuumFix = `VACUUM (ANALYZE) ${TABLE};  -- or: tracelens maintain`;
    const timeline =
      `last vacuum ${s.last_vacuum ?? 'never'}, autovacuum ${s.last_autovacuum ?? 'never'}; ` +
      `last analyze ${s.last_analyze ?? 'never'}, autoanalyze ${s.last_autoanalyze ?? 'never'}`;
    const data = { ...s };
    const out: CheckResult[] = [];

    const modified = Number(s.n_mod_since_analyze ?? 0);
    if (lastAnalyze === null && !row.has_stats) {
      out.push({
        check: 'table-health',
        subject: `${TABLE} statistics`,
        status: 'warn',
        message: `${TABLE} has never been analyzed: the planner guesses row counts and may pick sequential scans`,
        details: [timeline],
        fix: vacuumFix,
        data,
      });
    } else if (modified > Math.max(MIN_ROWS, STALE_SHARE * live)) {
      out.push({
        check: 'table-health',
        subject: `${TABLE} statistics`,
        status: 'warn',
        message: `${modified.toLocaleString('en-US')} rows changed since the last analyze (${lastAnalyze ?? 'not recorded'}), over ${pct(STALE_SHARE)} of the table`,
        details: [timeline],
        fix: vacuumFix,
        data,
      });
    } else {
      out.push({ check: 'table-health', subject: `${TABLE} statistics`, status: 'pass', message: lastAnalyze ? `analyzed ${lastAnalyze}` : 'has planner statistics (when it was analyzed is not recorded)', details: [timeline], data });
    }

    const deadShare = live + dead === 0 ? 0 : dead / (live + dead);
    out.push(
      deadShare > STALE_SHARE
        ? {
            check: 'table-health',
            subject: `${TABLE} dead rows`,
            status: 'warn',
            message: `${pct(deadShare)} of the rows are dead (${dead.toLocaleString('en-US')}): every scan still reads them`,
            fix: vacuumFix,
            data,
          }
        : {
            check: 'table-health',
            subject: `${TABLE} dead rows`,
            status: 'pass',
            message: `${dead.toLocaleString('en-US')} dead rows (${pct(deadShare)}) of ${live.toLocaleString('en-US')} live`,
            data,
          },
    );

    // Autovacuum has an insert trigger too (PostgreSQL 13+), but the embedded engine has no autovacuum at all.
    const inserted = s.n_ins_since_vacuum === undefined ? null : Number(s.n_ins_since_vacuum);
    if (inserted !== null && inserted > Math.max(MIN_ROWS, STALE_SHARE * live)) {
      out.push({
        check: 'table-health',
        subject: `${TABLE} vacuum`,
        status: 'warn',
        message:
          `${inserted.toLocaleString('en-US')} rows inserted since the last vacuum (${lastVacuum ?? 'never'}): ` +
          `their full-text entries may still sit in the GIN pending lists, which search scans unsorted` +
          (db.engine === 'embedded' ? ' (the embedded engine has no autovacuum)' : ''),
        fix: vacuumFix,
        data,
      });
    } else {
      out.push({ check: 'table-health', subject: `${TABLE} vacuum`, status: 'pass', message: `last vacuumed ${lastVacuum ?? 'never'}`, data });
    }
    return out;
  },
};

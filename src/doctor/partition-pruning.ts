// Time partitions at work: does a time-bounded search read only the
// partitions of its range (pruning), are the next days' partitions there
// before their spans arrive, and is the default partition (spans outside
// every day partition, which every new partition's creation must scan)
// nearly empty? The search SQL is the real one, as in query-plans.
import { TABLE } from '../query/fields.js';
import { PARTITION_AHEAD_DAYS, PARTITION_BOUNDS, utcDay } from '../storage/partitions.js';
import { ADMIN, quoteIdent, type CheckFamily, type CheckResult } from './check.js';
import { partitionRoots } from './partition-names.js';
import { rootPlan, scanNodes, type PlanNode } from './plan-tree.js';
import { searchSql } from './query-plans.js';

const DAY_MS = 86_400_000;
/** A partition ending further ahead than this is not a day partition made ahead. */
const WIDE_AHEAD_DAYS = 30;
/** Rows in the default partition above which we warn (counted up to this bound only). */
export const DEFAULT_PARTITION_WARN_ROWS = 10_000;
const fix = 'tracelens maintain  -- creates the day partitions ahead and moves spans out of the default partition';
/** Statements without a time bound that should fit in the lock table at once: the default DB_POOL_MAX. */
export const UNBOUNDED_AT_ONCE = 20;

/**
 * A statement without a time bound locks the table, every partition and every
 * index of each (planning opens them all); PostgreSQL's shared lock table
 * holds max_locks_per_transaction x (max_connections + max_prepared_transactions)
 * such locks, and the statement that does not fit fails with "out of shared memory".
 */
async function lockTable(db: Parameters<CheckFamily['run']>[0]['db']): Promise<CheckResult> {
  const r = (
    await db.query<{ locks: number; per_xact: number; slots: number }>(
      `SELECT (SELECT 1 + count(*) FROM pg_index WHERE indrelid = $1::regclass)
            + (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = $1::regclass)
            + (SELECT count(*) FROM pg_inherits i JOIN pg_index x ON x.indrelid = i.inhrelid WHERE i.inhparent = $1::regclass) AS locks,
              current_setting('max_locks_per_transaction')::int AS per_xact,
              current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int AS slots`,
      [TABLE],
      ADMIN,
    )
  ).rows[0]!;
  const locks = Number(r.locks);
  const capacity = Number(r.per_xact) * Number(r.slots);
  const fit = Math.floor(capacity / locks);
  const data = { locksPerStatement: locks, lockTable: capacity, statementsAtOnce: fit };
  if (fit >= UNBOUNDED_AT_ONCE) {
    return { check: 'partitions', subject: 'lock table', status: 'pass', message: `${fit} statements without a time bound fit in the lock table at once (${locks} locks each)`, data };
  }
  const needed = 2 ** Math.ceil(Math.log2((locks * UNBOUNDED_AT_ONCE) / Number(r.slots)));
  return {
    check: 'partitions',
    subject: 'lock table',
    status: 'warn',
    message:
      `a statement without a time bound locks ${locks} relations (the table, its partitions and their indexes); the lock table holds ${capacity}, ` +
      `so ${fit} such statements at once (fewer than ${UNBOUNDED_AT_ONCE}) and the next fails with "out of shared memory"`,
    fix: `ALTER SYSTEM SET max_locks_per_transaction = ${needed};  -- then restart PostgreSQL (docs/operations.md, "Locks per statement on the partitioned table")`,
    data,
  };
}

interface Bound {
  name: string;
  is_default: boolean;
  lo: Date | null;
  hi: Date | null;
}

/** Partitions an Append removed at run time (bound parameters of a generic plan). */
function removedAtRunTime(n: PlanNode): number {
  return (n['Subplans Removed'] ?? 0) + (n.Plans ?? []).reduce((a, c) => a + removedAtRunTime(c), 0);
}

export const partitionPruning: CheckFamily = {
  id: 'partitions',
  async run({ db, now }) {
    const kind = (await db.query<{ k: string }>(`SELECT relkind::text AS k FROM pg_class WHERE oid = $1::regclass`, [TABLE], ADMIN)).rows[0]?.k;
    if (kind !== 'p') return [{ check: 'partitions', subject: TABLE, status: 'fail', message: `${TABLE} is not partitioned: migration 0009 has not run`, fix: 'tracelens migrate' }];
    const bounds = (await db.query<Bound>(PARTITION_BOUNDS, [TABLE], ADMIN)).rows;
    const out: CheckResult[] = [];

    // Pruning: one hour of the latest project, ending now.
    const latest = await db.query<{ project_id: string }>(`SELECT project_id FROM ${TABLE} ORDER BY ts DESC, id DESC LIMIT 1`, [], ADMIN);
    const { sql, params } = searchSql({ from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString() }, [latest.rows[0]?.project_id ?? 'tracelens-doctor'], now);
    const plan = rootPlan((await db.query<Record<string, unknown>>(`EXPLAIN (FORMAT JSON) ${sql}`, params, ADMIN)).rows);
    const roots = await partitionRoots(db);
    const read = [...new Set(scanNodes(plan).map((s) => s.relation).filter((r): r is string => r !== null && roots.get(r) === TABLE))];
    const removed = removedAtRunTime(plan);
    const data = { partitions: bounds.length, read, removedAtRunTime: removed, sql };
    // An hour overlaps at most two days: more than two partitions read means no pruning.
    out.push(
      read.length <= 2
        ? { check: 'partitions', subject: 'pruning', status: 'pass', message: `a one-hour search reads ${read.length} of ${bounds.length} partitions (${read.join(', ') || 'none'})`, data }
        : {
            check: 'partitions',
            subject: 'pruning',
            status: 'warn',
            message: `a one-hour search reads ${read.length} of ${bounds.length} partitions: the planner does not prune by ts`,
            details: read,
            fix: `-- is ts compared with a constant or a bound parameter in the SQL?\n${fix}`,
            data,
          },
    );

    // The days ahead: each covered by a partition other than the default.
    const today = utcDay(now).getTime();
    const missing: string[] = [];
    for (let d = 0; d <= Math.min(2, PARTITION_AHEAD_DAYS); d++) {
      const day = new Date(today + d * DAY_MS);
      if (!bounds.some((b) => !b.is_default && b.lo !== null && b.hi !== null && b.lo <= day && new Date(day.getTime() + DAY_MS) <= b.hi)) missing.push(day.toISOString().slice(0, 10));
    }
    // A partition reaching far ahead (an upgraded table that held far-future
    // spans) keeps day partitions from being created below its end.
    const wide = bounds.filter((b) => !b.is_default && b.hi !== null && b.hi.getTime() > now + WIDE_AHEAD_DAYS * DAY_MS);
    out.push(
      wide.length > 0
        ? {
            check: 'partitions',
            subject: 'days ahead',
            status: 'warn',
            message: `${wide.map((b) => `${b.name} covers up to ${b.hi!.toISOString().slice(0, 10)}`).join(', ')}: no day partitions (and no pruning within it) before that`,
            fix: `-- the far-future spans it holds set its end: see docs/operations.md, "Upgrading a populated table", for moving them out`,
          }
        : missing.length === 0
        ? { check: 'partitions', subject: 'days ahead', status: 'pass', message: `today and the next days have their partitions (${bounds.length} partitions in all)` }
        : {
            check: 'partitions',
            subject: 'days ahead',
            status: 'warn',
            message: `no partition for ${missing.join(', ')}: their spans go to the default partition, which no time bound prunes`,
            fix,
          },
    );

    const def = bounds.find((b) => b.is_default);
    const inDefault = def
      ? Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${quoteIdent(def.name)} LIMIT ${DEFAULT_PARTITION_WARN_ROWS + 1}) x`, [], ADMIN)).rows[0]!.n)
      : 0;
    out.push(
      inDefault > DEFAULT_PARTITION_WARN_ROWS
        ? {
            check: 'partitions',
            subject: 'default partition',
            status: 'warn',
            message: `over ${DEFAULT_PARTITION_WARN_ROWS.toLocaleString('en-US')} spans in the default partition: every search reads them, and creating a partition scans them`,
            fix,
          }
        : { check: 'partitions', subject: 'default partition', status: 'pass', message: `${inDefault} spans in the default partition` },
    );
    // The embedded engine serves one connection: no concurrent statements to hold locks.
    if (db.engine === 'postgres') out.push(await lockTable(db));
    return out;
  },
};

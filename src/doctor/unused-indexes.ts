// Indexes no query has used since the statistics were last reset. They cost
// every insert and disk space. The schema's own indexes serve query shapes a
// deployment may simply not have seen yet, so they are listed, not flagged;
// an unused index someone added by hand is a candidate for dropping.
import { TABLE } from '../query/fields.js';
import { ADMIN, quoteIdent, type CheckFamily } from './check.js';
import { expectedIndexes } from './expected-indexes.js';
import { formatBytes } from './format-bytes.js';
import { LEAF_INDEXES, LEAF_TABLES } from './partition-names.js';

/** Below this many scans of the table there is too little history to call an index unused. */
export const MIN_SCANS_FOR_VERDICT = 1000;

interface UsageRow {
  name: string;
  scans: number;
  bytes: number;
  is_constraint: boolean;
  partitioned: boolean;
}

export const unusedIndexes: CheckFamily = {
  id: 'unused-indexes',
  async run({ db }) {
    const usage = await db.query<UsageRow>(
      // Per schema index: the sum over the partitions' indexes.
      `SELECT l.name, sum(coalesce(s.idx_scan, 0))::bigint AS scans, sum(pg_relation_size(l.oid))::bigint AS bytes,
              bool_or(l.is_constraint) AS is_constraint, bool_or(l.name <> l.leaf) AS partitioned
         FROM (${LEAF_INDEXES}) l LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = l.oid
        GROUP BY l.name ORDER BY scans, bytes DESC`,
      [TABLE],
      ADMIN,
    );
    const history = (
      await db.query<{ scans: number; since: string | null }>(
        // The busiest partition's scans: one query reads many partitions, and a sum would count it for each.
        `SELECT coalesce(max(coalesce(t.seq_scan, 0) + coalesce(t.idx_scan, 0)), 0)::bigint AS scans,
                (SELECT stats_reset::text FROM pg_stat_database WHERE datname = current_database()) AS since
           FROM pg_stat_user_tables t WHERE t.relid IN (${LEAF_TABLES})`,
        [TABLE],
        ADMIN,
      )
    ).rows[0] ?? { scans: 0, since: null };
    const schema = new Set(expectedIndexes().map((e) => e.name));
    const unused = usage.rows.filter((r) => Number(r.scans) === 0);
    const since = history.since ? `since ${history.since}` : 'since the statistics began';
    const base = { check: 'unused-indexes', subject: TABLE };
    const details = unused.map(
      (r) => `${r.name}: ${formatBytes(r.bytes)}${schema.has(r.name) ? ' (schema index)' : ''}${r.is_constraint ? ' (enforces uniqueness)' : ''}`,
    );
    const data = { tableScans: history.scans, unused: unused.map((r) => ({ name: r.name, bytes: r.bytes })) };
    if (unused.length === 0) return [{ ...base, status: 'pass', message: `every index of ${TABLE} has been used ${since}`, data }];
    if (history.scans < MIN_SCANS_FOR_VERDICT) {
      return [
        {
          ...base,
          status: 'info',
          message: `${unused.length} indexes not used yet, but ${TABLE} has seen only ${history.scans} scans ${since}: too little history to judge`,
          details,
          data,
        },
      ];
    }
    const droppable = unused.filter((r) => !schema.has(r.name) && !r.is_constraint);
    if (droppable.length === 0) {
      return [
        {
          ...base,
          status: 'info',
          message: `${unused.length} schema indexes unused ${since} (${history.scans} scans of ${TABLE}); they serve query shapes your clients have not sent`,
          details,
          data,
        },
      ];
    }
    return [
      {
        ...base,
        status: 'warn',
        message: `${droppable.length} indexes outside the schema unused ${since}, ${formatBytes(droppable.reduce((a, r) => a + Number(r.bytes), 0))} in all`,
        details,
        // A partitioned index is dropped in one statement only without CONCURRENTLY (a brief exclusive lock).
        fix: droppable.map((r) => `DROP INDEX ${r.partitioned ? '' : 'CONCURRENTLY '}${quoteIdent(r.name)};`).join('\n'),
        data,
      },
    ];
  },
};

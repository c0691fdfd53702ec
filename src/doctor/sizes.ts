// Table and index sizes: what the data costs on disk, and where it grows.
import { TABLE } from '../query/fields.js';
import { ADMIN, type CheckFamily } from './check.js';
import { LEAF_INDEXES, LEAF_TABLES } from './partition-names.js';
import { formatBytes } from './format-bytes.js';

interface SizeRow {
  total: number;
  heap: number;
  toast: number;
  indexes: number;
  rows: number;
}

export const sizes: CheckFamily = {
  id: 'sizes',
  async run({ db }) {
    const t = (
      await db.query<SizeRow>(
        // Summed over the partitions (a partitioned table has no storage of its own).
        `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS total,
                coalesce(sum(pg_relation_size(c.oid)), 0)::bigint AS heap,
                coalesce(sum(coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)), 0)::bigint AS toast,
                coalesce(sum(pg_indexes_size(c.oid)), 0)::bigint AS indexes,
                coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint AS rows
           FROM pg_class c WHERE c.oid IN (${LEAF_TABLES})`,
        [TABLE],
        ADMIN,
      )
    ).rows[0]!;
    const idx = await db.query<{ name: string; bytes: number }>(
      `SELECT l.name, sum(pg_relation_size(l.oid))::bigint AS bytes FROM (${LEAF_INDEXES}) l GROUP BY l.name ORDER BY bytes DESC, name`,
      [TABLE],
      ADMIN,
    );
    return [
      {
        check: 'sizes',
        subject: TABLE,
        status: 'info',
        message:
          `${TABLE}: ${formatBytes(t.total)} in all, about ${t.rows.toLocaleString('en-US')} rows ` +
          `(table ${formatBytes(t.heap)}, TOAST ${formatBytes(t.toast)}, indexes ${formatBytes(t.indexes)})`,
        details: idx.rows.map((r) => `${r.name}: ${formatBytes(r.bytes)}`),
        data: { ...t, indexSizes: Object.fromEntries(idx.rows.map((r) => [r.name, r.bytes])) },
      },
    ];
  },
};

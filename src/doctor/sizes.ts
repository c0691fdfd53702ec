// Table and index sizes: what the data costs on disk, and where it grows.
import { TABLE } from '../query/fields.js';
import { ADMIN, type CheckFamily } from './check.js';
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
        `SELECT pg_total_relation_size(c.oid)::bigint AS total,
                pg_relation_size(c.oid)::bigint AS heap,
                coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::bigint AS toast,
                pg_indexes_size(c.oid)::bigint AS indexes,
                greatest(c.reltuples, 0)::bigint AS rows
           FROM pg_class c WHERE c.oid = $1::regclass`,
        [TABLE],
        ADMIN,
      )
    ).rows[0]!;
    const idx = await db.query<{ name: string; bytes: number }>(
      `SELECT c.relname AS name, pg_relation_size(c.oid)::bigint AS bytes
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = $1::regclass ORDER BY bytes DESC, name`,
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

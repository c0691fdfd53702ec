// Partition-level names for tests that touch one index of one partition: the
// index of `index` (a schema index of llm_traces) on the partition that holds
// spans at ts (a day partition, or the default one).
import { partitionRoots } from '../../src/doctor/partition-names.js';
import { PARTITION_BOUNDS } from '../../src/storage/partitions.js';
import type { Queryable } from '../../src/storage/driver.js';

export async function partitionOf(db: Queryable, ts: Date | string): Promise<string> {
  const res = await db.query<{ name: string }>(
    `SELECT name FROM (${PARTITION_BOUNDS}) b WHERE (lo <= $2::timestamptz AND $2::timestamptz < hi) OR is_default ORDER BY is_default LIMIT 1`,
    ['llm_traces', ts],
  );
  return res.rows[0]!.name;
}

export async function leafIndex(db: Queryable, index: string, ts: Date | string = new Date()): Promise<string> {
  const res = await db.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_partition_tree($1::regclass) t JOIN pg_index i ON i.indexrelid = t.relid JOIN pg_class c ON c.oid = t.relid
      WHERE t.isleaf AND i.indrelid = $2::regclass`,
    [index, await partitionOf(db, ts)],
  );
  if (!res.rows[0]) throw new Error(`no partition index of ${index} for ${String(ts)}`);
  return res.rows[0].name;
}

/** EXPLAIN text with each partition's index named by its schema index (llm_traces_w20261130_ts_id_idx1 -> llm_traces_ts_idx). */
export async function withSchemaIndexNames(db: Queryable, planText: string): Promise<string> {
  const roots = [...(await partitionRoots(db)).entries()].sort((a, b) => b[0].length - a[0].length);
  return roots.reduce((text, [leaf, root]) => text.replace(new RegExp(`\\b${leaf}\\b`, 'g'), root), planText);
}

/** A Sort node in EXPLAIN text (not the "Sort Key" of a Merge Append). */
export const SORT_NODE = /(^|->)\s*Sort {2}\(/m;

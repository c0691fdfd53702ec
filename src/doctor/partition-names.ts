// Partitions of llm_traces and their indexes carry names of their own
// (llm_traces_p20261201, llm_traces_p20261201_ts_id_idx). The checks speak of
// the table and the indexes the schema declares, so plan nodes and catalog
// rows are read through the partitioned table or index they belong to.
import type { Queryable } from '../storage/driver.js';
import { ADMIN } from './check.js';

export type RootNames = ReadonlyMap<string, string>;

/** Every partition (table or index) by name, to the name of its partitioned root. */
export async function partitionRoots(db: Queryable): Promise<RootNames> {
  const res = await db.query<{ name: string; root: string }>(
    `SELECT c.relname AS name, r.relname AS root
       FROM pg_class c JOIN pg_class r ON r.oid = pg_partition_root(c.oid)
      WHERE c.relispartition AND pg_table_is_visible(c.oid)`,
    [],
    ADMIN,
  );
  return new Map(res.rows.map((r) => [r.name, r.root]));
}

export const rootName = (roots: RootNames, name: string): string => roots.get(name) ?? name;

/**
 * The leaf indexes of $1 (its partitions' indexes, or its own when it is not
 * partitioned), each with the name of the schema index it belongs to.
 * Columns: oid, leaf, name, is_constraint, options, method.
 */
export const LEAF_INDEXES = `
  SELECT i.indexrelid AS oid, c.relname AS leaf, r.relname AS name, (i.indisunique OR i.indisprimary) AS is_constraint,
         c.reloptions AS options, am.amname AS method
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
    JOIN pg_class r ON r.oid = coalesce(pg_partition_root(i.indexrelid), i.indexrelid)
   WHERE c.relkind = 'i' AND coalesce(pg_partition_root(i.indrelid), i.indrelid) = $1::regclass`;

/** The leaf tables of $1: its partitions, or itself. Column: oid. */
export const LEAF_TABLES = `SELECT c.oid FROM pg_class c WHERE c.relkind = 'r' AND coalesce(pg_partition_root(c.oid), c.oid) = $1::regclass`;


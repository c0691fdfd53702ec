// Are the schema's indexes all there, and usable? A missing index turns its
// query shapes into sequential scans; an invalid one (left by an interrupted
// CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY) is maintained on every
// insert but never used by any plan.
import { ADMIN, quoteIdent, type CheckFamily, type CheckResult, type DoctorDb } from './check.js';
import { expectedIndexes } from './expected-indexes.js';

export interface IndexRow {
  name: string;
  table_name: string;
  valid: boolean;
  ready: boolean;
  /** The table is partitioned: its indexes cannot be built CONCURRENTLY in one statement. */
  partitioned: boolean;
  /** The partitioned index a partition's index belongs to; its own name otherwise. */
  root: string;
}

/** Indexes of the tables the migrations create (and of their partitions, named by the table), as the catalog sees them. */
export async function catalogIndexes(db: DoctorDb, tables: readonly string[]): Promise<IndexRow[]> {
  const res = await db.query<IndexRow>(
    `SELECT ci.relname AS name, rt.relname AS table_name, i.indisvalid AS valid, i.indisready AS ready, rt.relkind = 'p' AS partitioned,
            ri.relname AS root
       FROM pg_index i
       JOIN pg_class ci ON ci.oid = i.indexrelid
       JOIN pg_class ri ON ri.oid = coalesce(pg_partition_root(i.indexrelid), i.indexrelid)
       JOIN pg_class rt ON rt.oid = coalesce(pg_partition_root(i.indrelid), i.indrelid)
      WHERE rt.relname = ANY($1::text[]) AND pg_table_is_visible(rt.oid)
      ORDER BY ci.relname`,
    [tables],
    ADMIN,
  );
  return res.rows;
}

/** Names PostgreSQL gives the transient copies of REINDEX CONCURRENTLY (…_ccnew, …_ccold, with a number when taken). */
export const TRANSIENT_INDEX = /_cc(new|old)\d*$/;

export const indexValidity: CheckFamily = {
  id: 'indexes',
  async run({ db }) {
    const expected = expectedIndexes();
    const tables = [...new Set(expected.map((e) => e.table))];
    const catalog = await catalogIndexes(db, tables);
    const actual = new Map(catalog.map((r) => [r.name, r]));
    const partitioned = new Set(catalog.filter((r) => r.partitioned).map((r) => r.table_name));
    const results: CheckResult[] = [];
    const known = new Set(expected.map((e) => e.name));
    for (const e of expected) {
      if (actual.has(e.name)) continue;
      results.push({
        check: 'indexes',
        subject: e.name,
        status: 'fail',
        message: `index ${e.name} on ${e.table} is missing (created by migration ${e.migration})`,
        // PostgreSQL builds an index of a partitioned table in one statement only without CONCURRENTLY (writes wait for the build).
        fix: partitioned.has(e.table) ? e.createSql.replace(/^CREATE (UNIQUE )?INDEX CONCURRENTLY /, 'CREATE $1INDEX ') : e.createSql,
      });
    }
    for (const r of catalog) {
      if (r.valid && r.ready) continue;
      // A schema index, or a partition's part of one: rebuilt in place. Anything
      // else (usually the *_ccnew / *_ccold leftovers of an interrupted REINDEX
      // CONCURRENTLY) costs every insert and serves nothing.
      if (known.has(r.root) && !TRANSIENT_INDEX.test(r.name)) {
        results.push({
          check: 'indexes',
          subject: r.name,
          status: 'fail',
          message: `index ${r.name} on ${r.table_name} is invalid: writes maintain it, but no query can use it`,
          fix: `REINDEX INDEX CONCURRENTLY ${quoteIdent(r.name)};  -- or: tracelens maintain`,
        });
      } else {
        results.push({
          check: 'indexes',
          subject: r.name,
          status: 'warn',
          message: `invalid index ${r.name} on ${r.table_name} is not part of the schema (a leftover of an interrupted concurrent build?)`,
          fix: `DROP INDEX CONCURRENTLY ${quoteIdent(r.name)};`,
        });
      }
    }
    if (!results.some((r) => r.status === 'fail')) {
      results.unshift({
        check: 'indexes',
        subject: 'schema',
        status: 'pass',
        message: `all ${expected.length} expected indexes are present and valid`,
        data: { expected: expected.map((e) => e.name) },
      });
    }
    return results;
  },
};

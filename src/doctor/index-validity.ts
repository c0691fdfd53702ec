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
}

/** Indexes of the tables the migrations create, as the catalog sees them. */
export async function catalogIndexes(db: DoctorDb, tables: readonly string[]): Promise<IndexRow[]> {
  const res = await db.query<IndexRow>(
    `SELECT ci.relname AS name, ct.relname AS table_name, i.indisvalid AS valid, i.indisready AS ready
       FROM pg_index i
       JOIN pg_class ci ON ci.oid = i.indexrelid
       JOIN pg_class ct ON ct.oid = i.indrelid
      WHERE ct.relname = ANY($1::text[]) AND pg_table_is_visible(ct.oid)
      ORDER BY ci.relname`,
    [tables],
    ADMIN,
  );
  return res.rows;
}

export const indexValidity: CheckFamily = {
  id: 'indexes',
  async run({ db }) {
    const expected = expectedIndexes();
    const tables = [...new Set(expected.map((e) => e.table))];
    const actual = new Map((await catalogIndexes(db, tables)).map((r) => [r.name, r]));
    const results: CheckResult[] = [];
    for (const e of expected) {
      const found = actual.get(e.name);
      if (!found) {
        results.push({
          check: 'indexes',
          subject: e.name,
          status: 'fail',
          message: `index ${e.name} on ${e.table} is missing (created by migration ${e.migration})`,
          fix: e.createSql,
        });
      } else if (!found.valid || !found.ready) {
        results.push({
          check: 'indexes',
          subject: e.name,
          status: 'fail',
          message: `index ${e.name} on ${e.table} is invalid: writes maintain it, but no query can use it`,
          fix: `REINDEX INDEX CONCURRENTLY ${quoteIdent(e.name)};  -- or: tracelens maintain`,
        });
      }
    }
    // Invalid indexes outside the schema: usually the *_ccnew / *_ccold leftovers
    // of an interrupted REINDEX CONCURRENTLY. They cost every insert and serve nothing.
    const known = new Set(expected.map((e) => e.name));
    for (const r of actual.values()) {
      if (known.has(r.name) || (r.valid && r.ready)) continue;
      results.push({
        check: 'indexes',
        subject: r.name,
        status: 'warn',
        message: `invalid index ${r.name} on ${r.table_name} is not part of the schema (a leftover of an interrupted concurrent build?)`,
        fix: `DROP INDEX CONCURRENTLY ${quoteIdent(r.name)};`,
      });
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

// Rebuilds every rollup and histogram from llm_traces: the backfill for spans
// written before migrations 0003 and 0008 ran (they backfill once themselves), and a repair
// after anything wrote spans with the triggers off. The work is the SQL
// function the migration installs (one definition of "rollup of a span"); it
// holds a SHARE lock on llm_traces while it runs, so ingest waits instead of
// racing it, and reads stay open.
import type { Queryable } from '../storage/driver.js';
import { ROLLUP_TABLES } from './catalog.js';

export interface RebuildResult {
  ms: number;
  /** Rows per rollup and histogram table. */
  rows: Record<string, number>;
}

/** Runs in one transaction (the function's lock lasts until it commits). */
export async function rebuildRollups(db: Queryable): Promise<RebuildResult> {
  const started = performance.now();
  await db.query('SELECT tracelens_rollup_rebuild()', [], { kind: 'admin' });
  const counts = await db.query<Record<string, string>>(
    `SELECT ${ROLLUP_TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`,
    [],
    { kind: 'admin' },
  );
  const row = counts.rows[0]!;
  const rows = Object.fromEntries(ROLLUP_TABLES.map((t) => [t, Number(row[t])]));
  return { ms: performance.now() - started, rows };
}

// The safe fixes, run in order: rebuild invalid indexes without blocking
// writes, drop the transient leftovers of an interrupted concurrent rebuild,
// then VACUUM (ANALYZE) the table (dead rows, visibility map, GIN pending
// lists, planner statistics). None of these change data, and none takes a lock
// that blocks reads or writes for long.
//
// Every statement runs on its own, outside any transaction: REINDEX
// CONCURRENTLY, DROP INDEX CONCURRENTLY and VACUUM refuse to run inside one.
import { TABLE } from '../query/fields.js';
import { ADMIN, quoteIdent, type DoctorDb } from './check.js';
import { catalogIndexes, TRANSIENT_INDEX } from './index-validity.js';

export interface MaintenanceStep {
  sql: string;
  why: string;
  ms: number;
}


export async function runMaintenance(db: DoctorDb, onStep?: (step: MaintenanceStep) => void): Promise<MaintenanceStep[]> {
  const steps: MaintenanceStep[] = [];
  const run = async (sql: string, why: string) => {
    const started = performance.now();
    await db.query(sql, [], ADMIN);
    const step = { sql, why, ms: performance.now() - started };
    steps.push(step);
    onStep?.(step);
  };
  const invalid = (await catalogIndexes(db, [TABLE])).filter((i) => !i.valid || !i.ready);
  // Leftovers first: PostgreSQL's recovery advice for an invalid *_ccnew is to drop it, then rebuild.
  for (const i of invalid.filter((x) => TRANSIENT_INDEX.test(x.name))) {
    await run(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(i.name)}`, 'leftover of an interrupted concurrent rebuild');
  }
  for (const i of invalid.filter((x) => !TRANSIENT_INDEX.test(x.name))) {
    await run(`REINDEX INDEX CONCURRENTLY ${quoteIdent(i.name)}`, 'invalid index: maintained on every write, used by no query');
  }
  await run(`VACUUM (ANALYZE) ${TABLE}`, 'reclaim dead rows, merge GIN pending lists, refresh planner statistics');
  return steps;
}

// Runs every check family against one database and gathers the report. A
// family that throws becomes a fail of its own (the rest still run), so one
// broken check never hides the others.
import { TABLE } from '../query/fields.js';
import { benchmarkShapes } from './benchmark-shapes.js';
import { cacheHitRatio } from './cache-hit-ratio.js';
import { ADMIN, type CheckFamily, type CheckResult, type CheckStatus, type DoctorDb } from './check.js';
import { indexValidity } from './index-validity.js';
import { partitionPruning } from './partition-pruning.js';
import { queryPlans } from './query-plans.js';
import type { QueryShape } from './query-shape.js';
import { searchVectors } from './search-vectors.js';
import { sizes } from './sizes.js';
import { slowStatements } from './slow-statements.js';
import { steadyIngest } from './steady-ingest.js';
import { tableHealth } from './table-health.js';
import { unusedIndexes } from './unused-indexes.js';

export const CHECK_FAMILIES: readonly CheckFamily[] = [
  indexValidity,
  queryPlans,
  partitionPruning,
  tableHealth,
  steadyIngest,
  searchVectors,
  unusedIndexes,
  sizes,
  cacheHitRatio,
  slowStatements,
];

export interface DoctorOptions {
  shapes?: readonly QueryShape[];
  slowQueryMs?: number;
  now?: number;
}

export interface DoctorReport {
  engine: 'postgres' | 'embedded';
  serverVersion: string;
  database: string;
  checkedAt: string;
  /** False when any check failed: the CLI exits with 1. */
  ok: boolean;
  summary: Record<CheckStatus, number>;
  results: CheckResult[];
}

export async function runDoctor(db: DoctorDb, opts: DoctorOptions = {}): Promise<DoctorReport> {
  const now = opts.now ?? Date.now();
  const ctx = { db, shapes: opts.shapes ?? (await benchmarkShapes(db).catch(() => [])), slowQueryMs: opts.slowQueryMs ?? 100, now };
  const server = (
    await db.query<{ version: string; database: string }>(`SELECT current_setting('server_version') AS version, current_database() AS database`, [], ADMIN)
  ).rows[0]!;
  const results: CheckResult[] = [];
  const migrated = (await db.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [TABLE], ADMIN)).rows[0]?.t;
  if (!migrated) {
    results.push({
      check: 'schema',
      subject: TABLE,
      status: 'fail',
      message: `table ${TABLE} does not exist: this database has not been migrated`,
      fix: 'tracelens migrate',
    });
  }
  for (const family of migrated ? CHECK_FAMILIES : []) {
    if (family.postgresOnly && db.engine === 'embedded') {
      results.push({ check: family.id, subject: family.id, status: 'skip', message: `PostgreSQL only: ${family.postgresOnly}` });
      continue;
    }
    try {
      results.push(...(await family.run(ctx)));
    } catch (err) {
      results.push({ check: family.id, subject: family.id, status: 'fail', message: `the check itself failed: ${(err as Error).message}` });
    }
  }
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, info: 0, skip: 0 };
  for (const r of results) summary[r.status]++;
  return {
    engine: db.engine,
    serverVersion: server.version,
    database: server.database,
    checkedAt: new Date(now).toISOString(),
    ok: summary.fail === 0,
    summary,
    results,
  };
}

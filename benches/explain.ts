// EXPLAIN (ANALYZE, BUFFERS) of every benchmark shape, admin and one-project
// scope: execution time, buffers touched and the plan's access path. Buffer
// counts do not depend on how busy the machine is, timings do.
//   tsx benches/explain.ts [--scope admin|project|both] [--plans] [--json out.json] [--generated [--only TEXT]]
// --generated: the generated shapes (src/perf/shape-generator.ts) instead of
// the hand list, each with the plain page SQL's plan (what the planner alone
// does) next to the wall time of the search executor (src/traces), which
// does not take the plan's estimate on trust.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { queryShapes, resolveShapeValues } from '../src/perf/query-shapes.js';
import { generatedShapes, resolveGeneratedValues } from '../src/perf/shape-generator.js';
import { principalFromClaims } from '../src/auth/tokens.js';
import { searchRequestFromBody } from '../src/traces/search-request.js';
import { executeSearch } from '../src/traces/search-service.js';
import { benchClaims, shapeSql, type BenchScope } from './harness/shape-sql.js';
import { BENCH_DATABASE_URL, BENCH_PROJECT } from './harness/bench-env.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function accessPath(n: PlanNode): string[] {
  const here = n['Index Name'] ? [`${n['Node Type']}(${n['Index Name']})`] : /Scan$/.test(n['Node Type']) ? [n['Node Type']] : [];
  return [...here, ...(n.Plans ?? []).flatMap(accessPath)];
}

const { values: flags } = parseArgs({
  options: { scope: { type: 'string', default: 'both' }, plans: { type: 'boolean' }, json: { type: 'string' }, generated: { type: 'boolean' }, only: { type: 'string' }, 'timeout-ms': { type: 'string', default: '5000' } },
});
const url = process.env.DATABASE_URL ?? BENCH_DATABASE_URL;
const scopes: [string, BenchScope][] = [];
if (flags.scope !== 'project') scopes.push(['admin', null]);
if (flags.scope !== 'admin') scopes.push([`project ${BENCH_PROJECT}`, [BENCH_PROJECT]]);

// As the API's pool: no JIT (src/storage/postgres.ts).
const client = new pg.Client({ connectionString: url, options: '-c jit=off' });
await client.connect();
const db = { query: async (sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[]) as never };
const values = await resolveShapeValues(db);
const out: Record<string, unknown>[] = [];
if (flags.generated) {
  const gen = generatedShapes(await resolveGeneratedValues(db)).filter((s) => flags.only === undefined || s.name.includes(flags.only));
  console.log(`| scope | shape | plain SQL ms | buffers | executor ms | rows |\n|---|---|---:|---:|---:|---:|`);
  for (const [scopeName, scope] of scopes) {
    for (const shape of gen) {
      const req = searchRequestFromBody(shape.body, principalFromClaims({ ...benchClaims(scope), exp: 0 }));
      const q = shapeSql({ body: shape.body }, scope);
      await client.query(`SELECT set_config('statement_timeout', $1, false)`, [String(Number(flags['timeout-ms']))]);
      const res = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, q.params as unknown[]).catch(() => null);
      const plan = res === null ? null : (res.rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] })['QUERY PLAN'][0];
      const buffers = plan === null ? NaN : (plan.Plan['Shared Hit Blocks'] ?? 0) + (plan.Plan['Shared Read Blocks'] ?? 0);
      const t0 = performance.now();
      const page = await executeSearch(db, req, { cursorKey: new Uint8Array(32) }).catch(() => null);
      const execMs = page === null ? 'timeout' : Math.round((performance.now() - t0) * 10) / 10;
      const row = { scope: scopeName, shape: shape.name, ms: plan === null ? 'timeout' : Math.round(plan['Execution Time'] * 10) / 10, buffers, execMs, rows: page?.rows.length ?? NaN };
      out.push(row);
      console.log(`| ${scopeName} | ${shape.name} | ${row.ms} | ${buffers} | ${execMs} | ${row.rows} |`);
    }
  }
  await client.end();
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ rows: out }, null, 2));
  process.exit(0);
}
console.log(`| scope | shape | ms | buffers | rows | path |\n|---|---|---:|---:|---:|---|`);
for (const [scopeName, scope] of scopes) {
  for (const shape of queryShapes(values)) {
    const q = shapeSql(shape, scope);
    const res = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, q.params as unknown[]);
    const plan = (res.rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode & { 'Actual Rows': number }; 'Execution Time': number; 'Planning Time': number }] })['QUERY PLAN'][0];
    const buffers = (plan.Plan['Shared Hit Blocks'] ?? 0) + (plan.Plan['Shared Read Blocks'] ?? 0);
    const row = { scope: scopeName, type: shape.type, variant: shape.variant, ms: Math.round(plan['Execution Time'] * 10) / 10, planMs: plan['Planning Time'], buffers, rows: plan.Plan['Actual Rows'], path: accessPath(plan.Plan).join(' + ') };
    out.push(row);
    console.log(`| ${scopeName} | ${shape.type}/${shape.variant} | ${row.ms} | ${buffers} | ${row.rows} | ${row.path} |`);
    if (flags.plans) {
      const text = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params as unknown[]);
      console.log(text.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
    }
  }
}
await client.end();
if (flags.json) writeFileSync(flags.json, JSON.stringify({ values, rows: out }, null, 2));

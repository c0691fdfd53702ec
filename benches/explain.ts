// EXPLAIN (ANALYZE, BUFFERS) of every benchmark shape, admin and one-project
// scope: execution time, buffers touched and the plan's access path. Buffer
// counts do not depend on how busy the machine is, timings do.
//   tsx benches/explain.ts [--scope admin|project|both] [--plans] [--json out.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { queryShapes, resolveShapeValues } from '../src/perf/query-shapes.js';
import { shapeSql, type BenchScope } from './harness/shape-sql.js';
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

const { values: flags } = parseArgs({ options: { scope: { type: 'string', default: 'both' }, plans: { type: 'boolean' }, json: { type: 'string' } } });
const url = process.env.DATABASE_URL ?? BENCH_DATABASE_URL;
const scopes: [string, BenchScope][] = [];
if (flags.scope !== 'project') scopes.push(['admin', null]);
if (flags.scope !== 'admin') scopes.push([`project ${BENCH_PROJECT}`, [BENCH_PROJECT]]);

const client = new pg.Client({ connectionString: url });
await client.connect();
const values = await resolveShapeValues({ query: async (sql, params) => client.query(sql, params as unknown[]) as never });
const out: Record<string, unknown>[] = [];
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

// Planning and execution time (EXPLAIN ANALYZE, median of 9) of the
// statements the API runs for each benchmark shape's first page, next to the
// plain one-statement page over the whole range: what partition pruning of
// the first attempt saves, and what a page that needs the whole range pays.
//
//   DATABASE_URL=... npx tsx benches/plan-cost.ts
import pg from 'pg';
import { queryShapes, resolveShapeValues } from '../src/perf/query-shapes.js';
import { principalFromClaims } from '../src/auth/tokens.js';
import { searchRequestFromBody } from '../src/traces/search-request.js';
import { buildPageSql } from '../src/traces/page-sql.js';
import { pageStatements } from '../src/traces/search-service.js';
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
const db = { query: async (sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[]) as never };
const values = await resolveShapeValues(db);
const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
async function cost(sql: string, params: readonly unknown[]) {
  const p: number[] = [], e: number[] = [];
  let rows = 0;
  for (let i = 0; i < 9; i++) {
    const r = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON, SUMMARY) ${sql}`, params as unknown[]);
    const j = (r.rows[0] as { 'QUERY PLAN': { 'Planning Time': number; 'Execution Time': number; Plan: { 'Actual Rows': number } }[] })['QUERY PLAN'][0]!;
    p.push(j['Planning Time']); e.push(j['Execution Time']); rows = j.Plan['Actual Rows'];
  }
  return { plan: med(p), exec: med(e), rows };
}
for (const shape of queryShapes(values)) {
  const req = searchRequestFromBody(shape.body, principalFromClaims({ sub: 'b', role: 'admin', exp: 0 }));
  const old = buildPageSql(req, { from: null, to: null }, null);
  const o = await cost(old.sql, old.params);
  const steps = await pageStatements(db, req, { from: null, to: null }, null, Date.now());
  const parts: string[] = [];
  let tp = 0, te = 0;
  for (const s of steps) {
    const c = await cost(s.sql, s.params);
    parts.push(`${c.plan.toFixed(2)}+${c.exec.toFixed(2)}(${c.rows})`);
    tp += c.plan; te += c.exec;
    if (c.rows > req.limit) break;
  }
  console.log(`${shape.type}/${shape.variant}\tplain ${o.plan.toFixed(2)}+${o.exec.toFixed(2)}\tapi ${tp.toFixed(2)}+${te.toFixed(2)}\t${parts.join(' | ')}`);
}
await client.end();

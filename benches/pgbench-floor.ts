// The database-alone floor of the latency suite: for every benchmark shape,
// the exact SQL the API runs (first page, admin scope) with its parameters
// written in as literals, run by pgbench at the suite's concurrency. pgbench
// pays no Node-side cost at all, unlike the pg-pool floor of benches/run.ts.
//   DATABASE_URL=... npx tsx benches/pgbench-floor.ts [--connections 8] [--seconds 5]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEFAULT_SHAPE_VALUES, queryShapes, resolveShapeValues } from '../src/perf/query-shapes.js';
import { shapeStatements } from './harness/shape-sql.js';

const { values: f } = parseArgs({ options: { connections: { type: 'string', default: '8' }, seconds: { type: 'string', default: '5' } } });
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const client = new pg.Client({ connectionString: url });
await client.connect();
const db = { query: async (sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[]) as never };
const values = await resolveShapeValues(db).catch(() => DEFAULT_SHAPE_VALUES);

/** A parameter as a SQL literal (arrays as array literals); pgbench scripts take no bind values. */
function literal(v: unknown): string {
  if (v === null) return 'NULL';
  if (Array.isArray(v)) return client.escapeLiteral(`{${v.map((x) => `"${String(x).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  return client.escapeLiteral(String(v));
}

const dir = mkdtempSync(join(tmpdir(), 'tracelens-pgbench-'));
process.stdout.write('| shape | statements | pgbench pages/s | avg latency ms |\n|---|---|---|---|\n');
for (const shape of queryShapes(values)) {
  // Every statement the API runs for the page (its attempts up to the one that answers).
  const statements = (await shapeStatements(db, shape, null)).map(({ sql, params }) =>
    // $10 before $1: replace the longest placeholders first.
    params.map((p, i) => [i + 1, p] as const).reverse().reduce((s, [n, p]) => s.replaceAll(`$${n}`, literal(p)), sql),
  );
  const file = join(dir, `${shape.type}-${shape.variant}.sql`);
  writeFileSync(file, statements.map((text) => `${text.replace(/\s+/g, ' ')};\n`).join(''));
  const out = execFileSync('pgbench', ['-n', '-f', file, '-c', f.connections, '-j', '2', '-T', f.seconds, url], { encoding: 'utf8' });
  const tps = /tps = ([\d.]+)/.exec(out)?.[1] ?? '?';
  const lat = /latency average = ([\d.]+) ms/.exec(out)?.[1] ?? '?';
  process.stdout.write(`| ${shape.type}/${shape.variant} | ${statements.length} | ${tps} | ${lat} |\n`);
}
await client.end();

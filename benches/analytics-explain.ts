// EXPLAIN (ANALYZE, BUFFERS) of the analytics suite's statements as the
// planner compiles them (and of the histogram statement the service merges),
// with the wall time of executeMetricsQuery, on ANALYTICS_DATABASE_URL.
//   tsx benches/analytics-explain.ts [--plans] [--only TEXT]
import { parseArgs } from 'node:util';
import pg from 'pg';
import { compileMetricsQuery } from '../src/analytics/compile-metrics.js';
import { metricsRequestFromBody } from '../src/analytics/metrics-request.js';
import { executeMetricsQuery, resolveRange } from '../src/analytics/metrics-service.js';
import { planMetricsQuery } from '../src/analytics/planner.js';
import { PostgresDriver } from '../src/storage/postgres.js';
import { ANALYTICS_CASES } from './harness/analytics-cases.js';
import { ANALYTICS_BENCH_DATABASE_URL, benchDatabaseUrl } from './harness/bench-env.js';

const { values: f } = parseArgs({ options: { plans: { type: 'boolean', default: false }, only: { type: 'string' } } });
const dbUrl = benchDatabaseUrl(ANALYTICS_BENCH_DATABASE_URL);

async function main() {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const driver = new PostgresDriver({ url: dbUrl, pool: { poolMax: 2, poolMin: 0, acquireTimeoutMs: 60_000, idleTimeoutMs: 10_000, maxLifetimeS: 0, statementTimeoutMs: 0, connectTimeoutMs: 5_000, maxWaiting: 100 } });
  try {
    for (const c of ANALYTICS_CASES) {
      if (f.only && !c.name.includes(f.only)) continue;
      const req = metricsRequestFromBody(c.body);
      const range = resolveRange(req, Date.now());
      const plan = planMetricsQuery(req, range.fromMs, range.toMs);
      const compiled = compileMetricsQuery({ req, plan, scope: null, ...range });
      const stmts = [['main', compiled.sql, compiled.params] as const, ...(compiled.histogram ? [['histograms', compiled.histogram.sql, compiled.histogram.params] as const] : [])];
      console.log(`\n## ${c.name}: ${plan.segments.map((s) => `${s.family ?? ''}:${s.source}`).join(' ')}`);
      for (const [label, sql, params] of stmts) {
        const res = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${sql}`, params as unknown[]);
        const lines = res.rows.map((r: Record<string, string>) => r['QUERY PLAN']!);
        const rowsOut = await client.query(sql, params as unknown[]);
        console.log(`${label}: ${lines.find((l) => l.startsWith('Execution Time'))} ; rows ${rowsOut.rowCount}`);
        if (f.plans) console.log(lines.join('\n'));
      }
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await executeMetricsQuery(driver, req, null, range);
        times.push(performance.now() - t);
      }
      console.log(`executeMetricsQuery ms: ${times.map((t) => t.toFixed(1)).join(' ')}`);
    }
  } finally {
    await client.end();
    await driver.close();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});

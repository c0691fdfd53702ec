// npm run bench:analytics: the analytics suite on 1M spans over 90 days.
//  1. five metrics queries through the real API, cache off, at a fixed
//     concurrency: P50/P95/P99, with meta.source;
//  2. the same five aggregates run directly on the raw table (the compiled
//     statement with a raw plan) and the planned statement directly, same
//     run: P95 and the raw/rollup ratio;
//  3. rollup and histogram size on disk next to llm_traces;
//  4. ingest throughput with and without rollup maintenance, same run,
//     concurrent batches all in the current minute (the hot-row worst case).
// Writes benches/results/analytics-<timestamp>.json and .md.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROLLUP_TABLES } from '../src/analytics/catalog.js';
import { compileMetricsQuery } from '../src/analytics/compile-metrics.js';
import { metricsRequestFromBody } from '../src/analytics/metrics-request.js';
import { resolveRange } from '../src/analytics/metrics-service.js';
import { planMetricsQuery, type Plan } from '../src/analytics/planner.js';
import { SpanGenerator } from '../src/seed/generate.js';
import { PostgresDriver } from '../src/storage/postgres.js';
import { insertSpanRecords } from '../src/storage/span-writer.js';
import { startApi } from './harness/api-server.js';
import { ANALYTICS_BENCH_DATABASE_URL, BENCH_JWT_SECRET, benchAdminToken, benchDatabaseUrl } from './harness/bench-env.js';
import { runFloor } from './harness/floor.js';
import { runLoad } from './harness/load.js';
import { prepareDatabase } from './harness/prepare.js';
import { machineInfo, writeReport } from './harness/report.js';
import { ANALYTICS_CASES, type AnalyticsCase } from './harness/analytics-cases.js';
import type { LatencySummary } from './harness/stats.js';

const { values: f } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '2' },
    rows: { type: 'string', default: '1000000' },
    'ingest-batches': { type: 'string', default: '20' },
    out: { type: 'string', default: 'benches/results' },
    // Another build's bin/tracelens.js: the API of a before/after pair, on the same database in one session.
    bin: { type: 'string' },
  },
});
const dbUrl = benchDatabaseUrl(ANALYTICS_BENCH_DATABASE_URL);
const durationS = Number(f.duration);
const connections = Number(f.connections);
const log = (m: string) => process.stderr.write(`${m}\n`);
const round = (n: number) => Math.round(n * 100) / 100;

/** The case's statement as the planner builds it, and the same aggregate forced onto raw rows. */
function statements(c: AnalyticsCase, now: number) {
  const req = metricsRequestFromBody(c.body);
  const range = resolveRange(req, now);
  const plan = planMetricsQuery(req, range.fromMs, range.toMs);
  const rawPlan: Plan = { mode: 'raw', segments: [{ source: 'raw', ...range }], source: 'raw', reason: 'benchmark baseline' };
  return { plan, planned: compileMetricsQuery({ req, plan, scope: null, ...range }), raw: compileMetricsQuery({ req, plan: rawPlan, scope: null, ...range }) };
}

interface CaseResult {
  name: string;
  source: string;
  api: LatencySummary;
  plannedSql: LatencySummary;
  rawSql: LatencySummary;
  /** raw SQL P95 / API P95 */
  ratio: number;
  targetP95: number;
  pass: boolean;
}

async function sizes(client: pg.Client) {
  const res = await client.query<{ name: string; rows: string; bytes: string }>(
    // A partitioned table has no storage of its own: its size and rows are its partitions'.
    `SELECT c.relname AS name,
            CASE WHEN c.relkind = 'p' THEN (SELECT sum(greatest(p.reltuples, 0))::bigint FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf) ELSE c.reltuples::bigint END AS rows,
            CASE WHEN c.relkind = 'p' THEN (SELECT sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) t WHERE t.isleaf) ELSE pg_total_relation_size(c.oid) END AS bytes
       FROM pg_class c WHERE c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    [['llm_traces', ...ROLLUP_TABLES, 'llm_rollup_error_1d', 'llm_trace_costs']],
  );
  return res.rows.map((r) => ({ table: r.name, rows: Number(r.rows), mb: round(Number(r.bytes) / 2 ** 20) }));
}

/** Concurrent batches of fresh spans, all stamped within the current minute. */
async function ingestRun(driver: PostgresDriver, batches: number, batchSize: number, workers: number, seed: number): Promise<{ spans: number; seconds: number; perSecond: number; ids: string[] }> {
  const gen = new SpanGenerator({ rows: batches * batchSize, projects: 3, days: 1, seed, end: new Date() }).spans();
  const all = [...gen];
  const now = Date.now();
  all.forEach((s, i) => {
    s.ts = new Date(now - (i % 50_000)).toISOString();
  });
  const queue = Array.from({ length: batches }, (_, b) => all.slice(b * batchSize, (b + 1) * batchSize));
  const started = performance.now();
  let inserted = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        const n = await insertSpanRecords(driver, batch); // read `inserted` after the await, not before
        inserted += n;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { spans: inserted, seconds: round(seconds), perSecond: Math.round(inserted / seconds), ids: all.map((s) => s.span_id) };
}

async function main() {
  const started = new Date();
  const dbInfo = await prepareDatabase(dbUrl, Number(f.rows), log, ['--days', '90']);
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  await client.query(`ANALYZE ${ROLLUP_TABLES.join(', ')}`);
  const jwt = await benchAdminToken();
  const api = await startApi({ DATABASE_URL: dbUrl, JWT_SECRET: BENCH_JWT_SECRET, CACHE_ENABLED: 'false', DB_POOL_MAX: String(Math.max(2, connections)), DB_POOL_MIN: '1' }, [], f.bin);
  const results: CaseResult[] = [];
  try {
    for (const c of ANALYTICS_CASES) {
      const body = JSON.stringify(c.body);
      const probe = await fetch(`${api.baseUrl}/api/v1/metrics/query`, { method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' }, body });
      if (!probe.ok) throw new Error(`${c.name}: the API answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
      const meta = ((await probe.json()) as { meta: { source: string; segments: { table: string }[] } }).meta;
      // The coarsest grain and every table read (the family the planner picked per grain).
      const source = `${meta.source} (${[...new Set(meta.segments.map((s) => s.table))].join(' + ')})`;
      const apiRun = await runLoad({ url: `${api.baseUrl}/api/v1/metrics/query`, method: 'POST', headers: { authorization: `Bearer ${jwt}` }, bodies: [body] }, connections, durationS);
      const st = statements(c, Date.now());
      const plannedSql = await runFloor(dbUrl, [st.planned], connections, durationS);
      const rawSql = await runFloor(dbUrl, [st.raw], connections, durationS);
      const targetP95 = c.target === 'rollup' ? 20 : 500;
      const r: CaseResult = { name: c.name, source, api: apiRun, plannedSql, rawSql, ratio: round(rawSql.p95 / apiRun.p95), targetP95, pass: apiRun.errors === 0 && apiRun.p95 <= targetP95 };
      results.push(r);
      log(`  ${c.name} [${source}]: API p50 ${apiRun.p50} p95 ${apiRun.p95} p99 ${apiRun.p99} ms; planned SQL p95 ${plannedSql.p95}; raw SQL p95 ${rawSql.p95} ms; ratio ${r.ratio}x ${r.pass ? 'PASS' : 'FAIL'}`);
    }
  } finally {
    await api.stop();
  }

  const size = await sizes(client);
  log(`sizes: ${JSON.stringify(size)}`);

  // Ingest with and without rollup maintenance, alternating, same data shape.
  const driver = new PostgresDriver({ url: dbUrl, pool: { poolMax: 8, poolMin: 0, acquireTimeoutMs: 60_000, idleTimeoutMs: 10_000, maxLifetimeS: 0, statementTimeoutMs: 0, connectTimeoutMs: 5_000, maxWaiting: 1000 } });
  const ingest: { rollups: boolean; spans: number; seconds: number; perSecond: number }[] = [];
  const batches = Number(f['ingest-batches']);
  try {
    // --ingest-batches 0: the queries alone (a before/after of query code needs no ingest rounds).
    for (const [round_, rollups] of batches > 0 ? ([[1, true], [2, false], [3, true], [4, false]] as const) : []) {
      if (!rollups) await client.query('ALTER TABLE llm_traces DISABLE TRIGGER llm_traces_rollup_insert, DISABLE TRIGGER llm_traces_rollup_delete');
      try {
        const run = await ingestRun(driver, batches, 500, 4, 9_000 + round_);
        ingest.push({ rollups, spans: run.spans, seconds: run.seconds, perSecond: run.perSecond });
        log(`  ingest ${rollups ? 'with' : 'without'} rollups: ${run.spans} spans in ${run.seconds} s = ${run.perSecond} spans/s`);
        // Leave the data as it was: the spans of this run go again (uncounted ones with the trigger still off).
        await client.query('DELETE FROM llm_traces WHERE span_id = ANY($1::text[])', [run.ids]);
      } finally {
        if (!rollups) await client.query('ALTER TABLE llm_traces ENABLE TRIGGER llm_traces_rollup_insert, ENABLE TRIGGER llm_traces_rollup_delete');
      }
    }
  } finally {
    await driver.close();
    await client.end();
  }

  const report = {
    started: started.toISOString(),
    command: `npm run bench:analytics -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machineInfo(dbInfo),
    settings: { durationS, connections },
    cases: results,
    sizes: size,
    ingest,
  };
  writeReport(f.out, 'analytics-', started, report, markdown(report));
  process.exitCode = results.every((r) => r.pass) ? 0 : 1;
}

function markdown(r: { started: string; command: string; machine: Record<string, unknown>; settings: Record<string, unknown>; cases: CaseResult[]; sizes: { table: string; rows: number; mb: number }[]; ingest: { rollups: boolean; spans: number; seconds: number; perSecond: number }[] }): string {
  const lines = [
    `# Analytics benchmark ${r.started}`,
    '',
    `\`${r.command}\`; ${r.machine.rows} spans; PostgreSQL ${r.machine.postgres}; ${r.machine.cpus} CPUs; cache off; ${r.settings.connections} connections x ${r.settings.durationS} s per measurement.`,
    '',
    '| query | source | API p50 | API p95 | API p99 | planned SQL p95 | raw SQL p95 | raw / API p95 | target p95 | |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.cases.map((c) => `| ${c.name} | ${c.source} | ${c.api.p50} | ${c.api.p95} | ${c.api.p99} | ${c.plannedSql.p95} | ${c.rawSql.p95} | ${c.ratio}x | ${c.targetP95} | ${c.pass ? 'PASS' : 'FAIL'} |`),
    '',
    '| table | rows (estimate) | size on disk (MB, with indexes) |',
    '|---|---|---|',
    ...r.sizes.map((s) => `| ${s.table} | ${s.rows} | ${s.mb} |`),
    '',
    '| ingest (4 concurrent batches of 500, all in the current minute) | spans | seconds | spans/s |',
    '|---|---|---|---|',
    ...r.ingest.map((i) => `| ${i.rollups ? 'with rollup maintenance' : 'without (triggers disabled)'} | ${i.spans} | ${i.seconds} | ${i.perSecond} |`),
    '',
  ];
  return lines.join('\n');
}

void main().catch((err) => {
  log(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
  // Exit now: a failure can leave a client or the API child holding the event loop open.
  process.exit(2);
});

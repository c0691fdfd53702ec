// npm run bench:reports: every analytics and cost report endpoint through the
// real API with the cache off (cold), on 1M spans over 90 days (the database
// of the analytics suite unless DATABASE_URL names another), at a fixed
// concurrency: P50/P95/P99, meta.source, and the 100 ms P95 target for
// 30-day ranges. Writes benches/results/reports-<timestamp>.json and .md.
import { parseArgs } from 'node:util';
import { startApi } from './harness/api-server.js';
import { ANALYTICS_BENCH_DATABASE_URL, BENCH_JWT_SECRET, benchAdminToken, benchDatabaseUrl } from './harness/bench-env.js';
import { runLoad } from './harness/load.js';
import { prepareDatabase } from './harness/prepare.js';
import { machineInfo, writeReport } from './harness/report.js';
import type { LatencySummary } from './harness/stats.js';

const { values: f } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '2' },
    rows: { type: 'string', default: '1000000' },
    only: { type: 'string' },
    out: { type: 'string', default: 'benches/results' },
    // Another build's bin/tracelens.js: the API of a before/after pair, on the same database in one session.
    bin: { type: 'string' },
    // Another build's bin/tracelens.js measured next to this one, case by case, in alternating rounds
    // (ABBA), so the load other work puts on a shared machine falls on both sides alike.
    against: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    // DB_POOL_MAX of the API(s): by default four connections per client, room for a report's statements.
    pool: { type: 'string' },
    // Settings of the --against API only (KEY=VALUE, repeatable): one build under two configurations, interleaved.
    'against-env': { type: 'string', multiple: true },
  },
});
const dbUrl = benchDatabaseUrl(ANALYTICS_BENCH_DATABASE_URL);
const durationS = Number(f.duration);
const connections = Number(f.connections);
const log = (m: string) => process.stderr.write(`${m}\n`);

/** The issue's bound for every report over a 30-day range; the others are reported against it too. */
const TARGET_P95_MS = 100;

interface Case {
  name: string;
  path: string;
  /** Whether the 100 ms target applies (30-day ranges and shorter). */
  targeted: boolean;
}

const CASES: Case[] = [
  { name: 'performance, 30 days (daily series)', path: '/api/v1/analytics/performance?from=now-30d', targeted: true },
  { name: 'performance, 7 days (hourly series)', path: '/api/v1/analytics/performance', targeted: true },
  { name: 'quality, 30 days', path: '/api/v1/analytics/quality?from=now-30d', targeted: true },
  { name: 'models compare (3 models), 30 days', path: '/api/v1/analytics/models/compare?from=now-30d&models=gpt-4o,gpt-4o-mini,claude-3-5-sonnet-20241022', targeted: true },
  { name: 'optimization, 30 days', path: '/api/v1/analytics/optimization?from=now-30d', targeted: true },
  { name: 'costs summary, 30 days', path: '/api/v1/costs/summary', targeted: true },
  { name: 'costs attribution by model, 30 days', path: '/api/v1/costs/attribution?dimension=model', targeted: true },
  { name: 'costs attribution by user, 30 days (raw)', path: '/api/v1/costs/attribution?dimension=user', targeted: true },
  { name: 'costs forecast, 30 days of history', path: '/api/v1/costs/forecast', targeted: true },
  { name: 'costs forecast, 90 days of history', path: '/api/v1/costs/forecast?from=now-90d&days=90', targeted: false },
  { name: 'metrics summary, 24 h', path: '/api/v1/metrics/summary', targeted: true },
  { name: 'metrics summary, 30 days', path: '/api/v1/metrics/summary?from=now-30d', targeted: true },
];

interface CaseResult {
  name: string;
  path: string;
  source: string;
  sources: string[];
  api: LatencySummary;
  /** With --against: the other build's figures (medians over the rounds, like `api`). */
  against?: LatencySummary;
  target: number | null;
  pass: boolean;
}

/** Per figure, the median over the rounds' summaries. */
function medianOf(runs: LatencySummary[]): LatencySummary {
  const mid = <K extends keyof LatencySummary>(k: K) => {
    const v = runs.map((r) => r[k]).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)]!;
  };
  return { ...runs[0]!, count: runs.reduce((n, r) => n + r.count, 0), errors: runs.reduce((n, r) => n + r.errors, 0), p50: mid('p50'), p95: mid('p95'), p99: mid('p99'), rps: mid('rps') };
}

async function main() {
  const started = new Date();
  const dbInfo = await prepareDatabase(dbUrl, Number(f.rows), log, ['--days', '90']);
  const jwt = await benchAdminToken();
  const apiEnv = { DATABASE_URL: dbUrl, JWT_SECRET: BENCH_JWT_SECRET, CACHE_ENABLED: 'false', DB_POOL_MAX: f.pool ?? String(Math.max(8, connections * 4)), DB_POOL_MIN: '1' };
  const api = await startApi(apiEnv, [], f.bin);
  const againstEnv = Object.fromEntries((f['against-env'] ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const other = f.against === undefined ? null : await startApi({ ...apiEnv, ...againstEnv }, [], f.against);
  const rounds = other === null ? 1 : Number(f.rounds);
  const results: CaseResult[] = [];
  const only = f.only === undefined ? null : new RegExp(f.only, 'i');
  try {
    for (const c of CASES) {
      if (only && !only.test(c.name)) continue;
      const headers = { authorization: `Bearer ${jwt}` };
      const probe = await fetch(`${api.baseUrl}${c.path}`, { headers });
      if (!probe.ok) throw new Error(`${c.name}: the API answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
      const meta = ((await probe.json()) as { meta: { source: string; sources: string[] } }).meta;
      const load = (base: string) => runLoad({ url: `${base}${c.path}`, method: 'GET', headers, paths: [c.path] }, connections, durationS);
      const mine: LatencySummary[] = [];
      const theirs: LatencySummary[] = [];
      for (let i = 0; i < rounds; i++) {
        // ABBA: the side measured first alternates from round to round.
        if (other !== null && i % 2 === 1) theirs.push(await load(other.baseUrl));
        mine.push(await load(api.baseUrl));
        if (other !== null && i % 2 === 0) theirs.push(await load(other.baseUrl));
      }
      const run = medianOf(mine);
      const target = c.targeted ? TARGET_P95_MS : null;
      const r: CaseResult = {
        name: c.name,
        path: c.path,
        source: meta.source,
        sources: meta.sources,
        api: run,
        ...(other === null ? {} : { against: medianOf(theirs) }),
        target,
        pass: run.errors === 0 && (target === null || run.p95 <= target),
      };
      results.push(r);
      const vs = r.against ? ` (against: p50 ${r.against.p50} p95 ${r.against.p95})` : '';
      log(`  ${c.name} [${meta.sources.join('+')}]: p50 ${run.p50} p95 ${run.p95} p99 ${run.p99} ms${vs} ${r.pass ? 'PASS' : 'FAIL'}`);
    }
  } finally {
    await api.stop();
    await other?.stop();
  }
  const report = {
    started: started.toISOString(),
    command: `npm run bench:reports -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machineInfo(dbInfo),
    settings: { durationS, connections, rounds, against: f.against ?? null, againstEnv },
    cases: results,
  };
  const vsHead = other === null ? '' : ' against p50 | against p95 |';
  const vsSep = other === null ? '' : '---|---|';
  const md = [
    `# Report endpoints benchmark ${report.started}`,
    '',
    `\`${report.command}\`; ${dbInfo.rows} spans over 90 days; PostgreSQL ${dbInfo.postgres}; ${report.machine.cpus} CPUs; cache off (cold); ${connections} connections x ${durationS} s per endpoint` +
      (other === null ? '.' : `, ${rounds} alternating rounds per endpoint against \`${f.against}\` (medians of the rounds).`),
    '',
    `| endpoint | sources | p50 ms | p95 ms | p99 ms | req/s |${vsHead} target p95 | |`,
    `|---|---|---|---|---|---|${vsSep}---|---|`,
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.sources.join(' + ')} | ${r.api.p50} | ${r.api.p95} | ${r.api.p99} | ${r.api.rps} |${r.against ? ` ${r.against.p50} | ${r.against.p95} |` : ''} ${r.target ?? '-'} | ${r.target === null ? '' : r.pass ? 'PASS' : 'FAIL'} |`,
    ),
    '',
  ].join('\n');
  writeReport(f.out, 'reports-', started, report, md);
  process.exitCode = results.every((r) => r.pass) ? 0 : 1;
}

void main().catch((err) => {
  log(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
  // Exit now: a failure can leave a client or the API child holding the event loop open.
  process.exit(2);
});

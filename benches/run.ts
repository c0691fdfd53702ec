// npm run bench: the latency table at 1M rows, every query type in its
// common, rare and no-match variants, cold (cache off) through the real API,
// next to the raw database floor for the same SQL at the same concurrency;
// then the warm cache suite and, on request, the frozen-Redis suite.
// Writes benches/results/<timestamp>.json and .md. See benches/README.md.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../src/auth/tokens.js';
import { QUERY_TYPES, queryShapes, resolveShapeValues, shapeOf, type QueryShape, type ShapeValues } from '../src/perf/query-shapes.js';
import { startApi, type ApiServer } from './harness/api-server.js';
import { BENCH_DATABASE_URL, BENCH_JWT_SECRET, BENCH_PROJECT, benchDatabaseUrl } from './harness/bench-env.js';
import { prepareDatabase } from './harness/prepare.js';
import { runFloor } from './harness/floor.js';
import { runLoad } from './harness/load.js';
import { exportSuite, type ExportCase } from './harness/export-suite.js';
import { generatedMarkdown, generatedSuite, type GeneratedCase } from './harness/generated-suite.js';
import { resolveGeneratedValues } from '../src/perf/shape-generator.js';
import { redisFrozenSuite, type RedisFrozenResult } from './harness/redis-frozen.js';
import { machineInfo, markdownReport, writeReport, type CaseResult, type CacheResult } from './harness/report.js';
import { benchClaims, shapeStatements, type BenchScope } from './harness/shape-sql.js';
import type { LatencySummary } from './harness/stats.js';
import { ENDPOINT_BOUNDS, TARGETS, WARM_CACHE_MIN_RATIO } from './harness/targets.js';
import { runScriptSuite, SCRIPT_SUITES, type ScriptSuite } from './harness/script-suite.js';

const SUITES = [...QUERY_TYPES, 'generated', 'cache', 'export', 'redis-frozen', ...(Object.keys(SCRIPT_SUITES) as ScriptSuite[]), 'all'] as const;
const HELP = `usage: tsx benches/run.ts [options]

  --suite S         ${SUITES.join(', ')} (default all = every query type + generated + cache + export + analytics + reports; redis-frozen only when named)
                    generated: every (field, operator) pair of the registry with common, rare, rare-in-the-oldest-tenth
                    and absent values, plus never-together pairs (src/perf/shape-generator.ts)
  --samples N       requests per generated shape (default 20), at --gen-concurrency (default 2)
  --only TEXT       generated shapes whose name contains TEXT
                    analytics, reports: benches/analytics.ts and benches/reports.ts on ANALYTICS_DATABASE_URL
                    (default tracelens_bench_analytics, 90 days), with their own defaults and report files
                    several as a comma list: --suite simple,cache,redis-frozen
  --duration S      seconds of load per case (default 5)
  --floor-duration S  seconds of the raw-database floor per case (default 3)
  --connections N   concurrent connections, API and floor alike (default 8)
  --scope admin|project   admin sees every project; project = a viewer of ${BENCH_PROJECT} (default admin)
  --rows N          spans the database must hold; seeded when it has fewer (default 1000000)
  --base-url URL    an already running API (no child server; cache suites need their own servers and are skipped)
  --token JWT       token for --base-url (default: minted with JWT_SECRET)
  --out DIR         results directory (default benches/results)

  DATABASE_URL      benchmark database (default ${BENCH_DATABASE_URL})
`;

const { values: f } = parseArgs({
  options: {
    suite: { type: 'string', default: 'all' },
    duration: { type: 'string', default: '5' },
    'floor-duration': { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    scope: { type: 'string', default: 'admin' },
    rows: { type: 'string', default: '1000000' },
    'base-url': { type: 'string' },
    token: { type: 'string' },
    out: { type: 'string', default: 'benches/results' },
    samples: { type: 'string', default: '20' },
    'gen-concurrency': { type: 'string', default: '2' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (f.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const suites = new Set(f.suite.split(',').flatMap((s) => (s === 'all' ? [...QUERY_TYPES, 'generated', 'cache', 'export', ...Object.keys(SCRIPT_SUITES)] : [s])));
for (const s of suites) {
  if (!(SUITES as readonly string[]).includes(s)) {
    process.stderr.write(`unknown suite ${s}\n\n${HELP}`);
    process.exit(2);
  }
}
const num = (name: string, raw: string | undefined) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive number\n`);
    process.exit(2);
  }
  return n;
};
const durationS = num('duration', f.duration);
const floorS = num('floor-duration', f['floor-duration']);
const connections = Math.round(num('connections', f.connections));
const scope: BenchScope = f.scope === 'project' ? [BENCH_PROJECT] : null;
const dbUrl = benchDatabaseUrl(BENCH_DATABASE_URL);
const secret = BENCH_JWT_SECRET;

const log = (msg: string) => process.stderr.write(`${msg}\n`);

async function token(): Promise<string> {
  if (f.token) return f.token;
  const c = benchClaims(scope) as { sub: string; role: 'admin' | 'viewer'; projects?: string[] };
  return mintToken(secret, { sub: c.sub, role: c.role, projects: c.projects, ttlS: 6 * 3600 });
}

/** Checks the API answers the shape with the rows the floor SQL returns, then loads it. */
async function loadShape(server: { baseUrl: string }, jwt: string, shape: QueryShape, bodies?: string[]): Promise<LatencySummary & { statuses: Record<string, number> }> {
  const body = JSON.stringify(shape.body);
  const res = await fetch(`${server.baseUrl}/api/v1/traces/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body,
  });
  if (!res.ok) throw new Error(`${shape.type}/${shape.variant}: the API answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return runLoad(
    { url: `${server.baseUrl}/api/v1/traces/search`, method: 'POST', headers: { authorization: `Bearer ${jwt}` }, bodies: bodies ?? [body] },
    connections,
    durationS,
  );
}

async function coldCase(server: ApiServer | { baseUrl: string }, jwt: string, shape: QueryShape): Promise<CaseResult> {
  const http = await loadShape(server, jwt, shape);
  // The floor runs the same statements as the API's page: its attempts up to the one that answers.
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const statements = await shapeStatements({ query: async (sql, params) => client.query(sql, params as unknown[]) as never }, shape, scope).finally(() => client.end());
  const floor = await runFloor(dbUrl, [statements], connections, floorS);
  const t = TARGETS[shape.type];
  const pass = http.errors === 0 && http.p95 <= t.p95 && http.p99 <= t.p99 && http.p95 <= ENDPOINT_BOUNDS.p95 && http.p99 <= ENDPOINT_BOUNDS.p99;
  const result: CaseResult = { type: shape.type, variant: shape.variant, index: shape.index, note: shape.note, http, floor, ratio: round(http.rps / floor.rps), pass };
  log(`  ${shape.type}/${shape.variant}: p50 ${http.p50} p95 ${http.p95} p99 ${http.p99} ms, ${http.rps} req/s (floor ${floor.rps} req/s, p95 ${floor.p95} ms) ${pass ? 'PASS' : 'FAIL'}`);
  return result;
}

const round = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const started = new Date();
  const dbInfo = await prepareDatabase(dbUrl, Number(f.rows), log);
  const values: ShapeValues = await (async () => {
    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      return await resolveShapeValues({ query: async (sql, params) => client.query(sql, params as unknown[]) as never });
    } finally {
      await client.end();
    }
  })();
  log(`shape values: rare users ${values.rareUsers.join(', ')}; rare word ${values.rareWord}`);
  const jwt = await token();
  const types = QUERY_TYPES.filter((t) => suites.has(t));
  const cases: CaseResult[] = [];
  let cache: CacheResult | null = null;
  let redisFrozen: RedisFrozenResult | null = null;
  let exports: ExportCase[] = [];
  let generated: GeneratedCase[] = [];
  const poolEnv = { DB_POOL_MAX: String(Math.max(connections, 2)), DB_POOL_MIN: String(Math.min(connections, 5)) };

  const cold: ApiServer | { baseUrl: string; stop?: undefined } =
    f['base-url'] !== undefined ? { baseUrl: f['base-url'] } : await startApi({ DATABASE_URL: dbUrl, JWT_SECRET: secret, CACHE_ENABLED: 'false', ...poolEnv });
  try {
    // Warm-up: connections opened, code paths compiled, hot pages cached.
    await loadShape(cold, jwt, shapeOf('simple', 'common', values));
    for (const type of types) {
      log(`suite ${type}`);
      for (const shape of queryShapes(values).filter((s) => s.type === type)) cases.push(await coldCase(cold, jwt, shape));
    }
    if (suites.has('generated')) {
      log('suite generated');
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      const genValues = await resolveGeneratedValues({ query: async (sql, params) => client.query(sql, params as unknown[]) as never }).finally(() => client.end());
      generated = await generatedSuite({
        baseUrl: cold.baseUrl,
        jwt,
        values: genValues,
        samples: Math.round(num('samples', f.samples)),
        concurrency: Math.round(num('gen-concurrency', f['gen-concurrency'])),
        only: f.only,
        log,
      });
    }
    if (suites.has('export') && f['base-url'] === undefined && 'child' in cold) {
      log('suite export');
      exports = await exportSuite({ server: cold, jwt, dbUrl, log });
    }
    if (suites.has('cache') && f['base-url'] === undefined) {
      log('suite cache');
      const shape = shapeOf('simple', 'common', values);
      const coldRun = await loadShape(cold, jwt, shape);
      const warmServer = await startApi({ DATABASE_URL: dbUrl, JWT_SECRET: secret, CACHE_ENABLED: 'true', ...poolEnv });
      try {
        const warmRun = await loadShape(warmServer, jwt, shape);
        const ratio = round(warmRun.rps / coldRun.rps);
        cache = { query: 'provider eq openai, limit 50', cold: coldRun, warm: warmRun, ratio, pass: ratio >= WARM_CACHE_MIN_RATIO };
        log(`  cold ${coldRun.rps} req/s, warm ${warmRun.rps} req/s: ${ratio}x ${cache.pass ? 'PASS' : 'FAIL'}`);
      } finally {
        await warmServer.stop();
      }
    }
  } finally {
    await cold.stop?.();
  }
  if (suites.has('redis-frozen') && f['base-url'] === undefined) {
    log('suite redis-frozen');
    redisFrozen = await redisFrozenSuite({ dbUrl, secret, jwt, env: poolEnv, connections, durationS, log });
  }

  const report = {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    command: `tsx benches/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machineInfo(dbInfo),
    settings: { durationS, floorS, connections, scope: scope === null ? 'admin' : `project ${BENCH_PROJECT}`, apiPoolMax: poolEnv.DB_POOL_MAX },
    values,
    cases,
    cache,
    redisFrozen,
    exports,
    generated,
  };
  const scopeName = scope === null ? 'admin' : `project ${BENCH_PROJECT}`;
  const md = markdownReport(report) + (generated.length > 0 ? `\n${generatedMarkdown(generated, scopeName)}` : '');
  const stem = writeReport(f.out, '', started, report, md);
  log(`\nwritten: ${stem}.json and .md`);
  const failed = cases.some((c) => !c.pass) || generated.some((c) => !c.pass) || (cache !== null && !cache.pass) || exports.some((c) => !c.pass);
  process.exitCode = failed ? 1 : 0;
}

void (async () => {
  try {
    const scripts = (Object.keys(SCRIPT_SUITES) as ScriptSuite[]).filter((s) => suites.has(s));
    if ([...suites].some((s) => !scripts.includes(s as ScriptSuite))) await main();
    for (const s of scripts) {
      log(`suite ${s}`);
      if ((await runScriptSuite(s, [])) !== 0) process.exitCode = process.exitCode || 1;
    }
  } catch (err) {
    log(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  }
})();

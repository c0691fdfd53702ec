// Throughput at high concurrency, in one run, next to the database alone and
// to another API over the same table:
//   - pgbench on the exact statements the API runs for the page (its
//     parameters written in as literals), as plain rows and wrapped so that
//     PostgreSQL builds the page JSON (src/traces/page-json.ts): the floor;
//   - tracelens with the cache off (every request reaches the database),
//     one API process;
//   - optionally a second tracelens build (--before <dir>: a checkout with
//     dist/ built) for a before/after in the same run;
//   - PostGraphile 4 with postgraphile-plugin-connection-filter over the same
//     table, the same filter, order and page size, one process, the same pool
//     size (installed in benches/postgraphile/, never a tracelens dependency).
// Each for the 50-row and the 1000-row page of `provider eq openai`.
//
//   npm run build && npx tsx benches/throughput.ts [--duration 8] [--connections 50] [--pool 16]
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { principalFromClaims } from '../src/auth/tokens.js';
import type { SearchBody } from '../src/query/request.js';
import { wrapPageSql } from '../src/traces/page-json.js';
import { searchRequestFromBody } from '../src/traces/search-request.js';
import { startApi, type ApiServer } from './harness/api-server.js';
import { benchAdminToken, benchDatabaseUrl, BENCH_DATABASE_URL, BENCH_JWT_SECRET } from './harness/bench-env.js';
import { runLoad } from './harness/load.js';
import { summarize, type LatencySummary } from './harness/stats.js';
import { freePort } from '../test/helpers/free-port.js';
import { shapeStatements } from './harness/shape-sql.js';

const { values: f } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    pool: { type: 'string', default: '8' },
    before: { type: 'string' },
    'skip-postgraphile': { type: 'boolean', default: false },
    'skip-pgbench': { type: 'boolean', default: false },
    /** Also run the API with a larger young generation (docs/performance.md, "API overhead"). */
    tuned: { type: 'boolean', default: false },
    pages: { type: 'string', default: '50,1000' },
  },
});
const duration = Number(f.duration);
const connections = Number(f.connections);
const pool = Number(f.pool);
const url = benchDatabaseUrl(BENCH_DATABASE_URL);
const execFileAsync = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

const client = new pg.Client({ connectionString: url });
await client.connect();
const rows = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM llm_traces')).rows[0]!.n);

interface Statement {
  sql: string;
  params: readonly unknown[];
}

/** The request of one page size: the simple equality of the latency suite. */
const body = (limit: number): SearchBody => ({ filter: { field: 'provider', operator: 'eq', value: 'openai' }, limit });

/** The statements the API runs for a first page (its attempts up to the one that answers), found against the real database. */
async function apiStatements(limit: number): Promise<{ plain: Statement[]; json: Statement[] }> {
  const req = searchRequestFromBody(body(limit), principalFromClaims({ sub: 'bench', role: 'admin', exp: 0 }));
  const db = { query: async (sql: string, params?: readonly unknown[]) => client.query(sql, params as unknown[]) as never };
  const plain = await shapeStatements(db, { body: body(limit) }, null);
  return { plain, json: plain.map((s) => ({ sql: wrapPageSql(s.sql, req.fields), params: s.params })) };
}

function literal(v: unknown): string {
  if (v === null) return 'NULL';
  if (Array.isArray(v)) return client.escapeLiteral(`{${v.map((x) => `"${String(x).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  return client.escapeLiteral(String(v));
}

interface Row {
  page: number;
  target: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU milliseconds per request: the server process, all PostgreSQL processes, the load generator (this process). */
  cpu?: { server: number; postgres: number; load: number };
}

/** utime + stime of a process in ms (clock ticks of 10 ms), 0 when it is gone. */
function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

const benchDb = new URL(url).pathname.slice(1);

/**
 * CPU of the PostgreSQL backends serving the bench database, sampled every
 * 100 ms (a backend that exits takes its counters with it: pgbench's do, at
 * the end of each run). Other databases' work on the same server is not counted.
 */
function postgresCpuSampler(): { stop(): number } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = (initial: boolean) => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${benchDb} `)) continue;
        const ms = processCpuMs(pid);
        if (!first.has(pid)) first.set(pid, initial ? ms : 0);
        last.set(pid, ms);
      } catch {
        // gone meanwhile
      }
    }
  };
  sample(true);
  const timer = setInterval(() => sample(false), 100);
  return {
    stop() {
      clearInterval(timer);
      sample(false);
      let total = 0;
      for (const [pid, ms] of last) total += ms - first.get(pid)!;
      return total;
    },
  };
}

/** Runs fn and returns its result with the CPU each party spent per completed request. */
async function withCpu<T extends LatencySummary>(serverPid: number | undefined, fn: () => Promise<T>): Promise<T & { cpu: Row['cpu'] }> {
  const s0 = serverPid === undefined ? 0 : processCpuMs(serverPid);
  const pgCpu = postgresCpuSampler();
  const l0 = process.cpuUsage();
  const out = await fn();
  const pgMs = pgCpu.stop();
  const l = process.cpuUsage(l0);
  const n = Math.max(1, out.count);
  const per = (ms: number) => Math.round((ms / n) * 100) / 100;
  return {
    ...out,
    cpu: {
      server: per(serverPid === undefined ? 0 : processCpuMs(serverPid) - s0),
      postgres: per(pgMs),
      load: per((l.user + l.system) / 1000),
    },
  };
}
const results: Row[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tracelens-throughput-'));

/** pgbench on statements with their parameters as literals: the database alone, no client-side cost. */
async function pgbench(name: string, statements: readonly Statement[], prepared = false): Promise<LatencySummary & { cpu: Row['cpu'] }> {
  const file = join(dir, `${name}.sql`);
  const text = statements
    .map(({ sql, params }) => params.map((p, i) => [i + 1, p] as const).reverse().reduce((s, [n, p]) => s.replaceAll(`$${n}`, literal(p)), sql))
    // pgbench reads `:name` as a variable (a bind parameter when prepared); the time format's colons are built instead.
    .map((s) => `${s.replace(/\s+/g, ' ').replaceAll('HH24:MI:SS', "HH24' || chr(58) || 'MI' || chr(58) || 'SS")};`)
    .join('\n');
  writeFileSync(file, `${text}\n`);
  const log = join(dir, `${name}-log`);
  mkdirSync(log, { recursive: true });
  const pgCpu = postgresCpuSampler();
  // As many clients as the API's pool: the database never sees more statements at once from one API process.
  const { stdout: out } = await execFileAsync('pgbench', ['-n', '-M', prepared ? 'prepared' : 'simple', '-f', file, '-c', String(pool), '-j', '2', '-T', String(duration), '-l', `--log-prefix=${join(log, 'tx')}`, url], {
    encoding: 'utf8',
  });
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
  // The per-transaction log: the third column is the latency in microseconds.
  const samples = readdirSync(log).flatMap((file) =>
    readFileSync(join(log, file), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(line.split(' ')[2]) / 1000),
  );
  const pgMs = pgCpu.stop();
  return { ...summarize(samples, duration, 0), rps: Math.round(tps), cpu: { server: NaN, postgres: Math.round((pgMs / Math.max(1, samples.length)) * 100) / 100, load: NaN } };
}

async function startPostGraphile(): Promise<ApiServer> {
  const folder = join(here, 'postgraphile');
  const bin = join(folder, 'node_modules', '.bin', 'postgraphile');
  // Idempotent: installs only what benches/postgraphile/package-lock.json pins, from the registry, in that folder.
  if (!existsSync(bin)) execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: folder, stdio: 'inherit' });
  const port = await freePort();
  const child = spawn(
    bin,
    ['-c', url, '--schema', 'public', '--host', '127.0.0.1', '--port', String(port), '--append-plugins', 'postgraphile-plugin-connection-filter',
      '--disable-query-log', '--max-pool-size', String(pool), '--disable-default-mutations',
      // Expose llm_traces itself, not each of its partitions.
      '--use-partitioned-parent'],
    { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgraphile exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' });
      if (res.ok) return { baseUrl, child, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('postgraphile did not answer within 120 s');
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

const SPAN_FIELDS =
  'ts traceId spanId parentSpanId projectId spanName provider model inputText outputText promptTokens completionTokens totalTokens ' +
  'promptCostUsd completionCostUsd totalCostUsd durationMs ttftMs statusCode errorMessage userId sessionId environment tags attributes';
const graphqlBody = (limit: number) =>
  JSON.stringify({
    query: `{ allLlmTraces(first: ${limit}, orderBy: [TS_DESC, ID_DESC], filter: { provider: { equalTo: "openai" } }) { nodes { ${SPAN_FIELDS} } } }`,
  });

function record(page: number, target: string, s: LatencySummary & { cpu?: Row['cpu']; statuses?: Record<string, number> }) {
  results.push({ page, target, rps: s.rps, p50: s.p50, p99: s.p99, errors: s.errors, cpu: s.cpu });
  const cpu = s.cpu ? `  cpu ms/req server ${s.cpu.server} postgres ${s.cpu.postgres} load ${s.cpu.load}` : '';
  const statuses = s.statuses ? `  statuses ${JSON.stringify(s.statuses)}` : '';
  process.stderr.write(`${page} rows  ${target.padEnd(34)} ${String(s.rps).padStart(8)} req/s  p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  max ${s.max} ms  errors ${s.errors}${cpu}${statuses}\n`);
}

const token = await benchAdminToken();
const apiEnv = {
  DATABASE_URL: url,
  JWT_SECRET: BENCH_JWT_SECRET,
  CACHE_ENABLED: 'false',
  DB_POOL_MAX: String(pool),
  DB_POOL_MIN: String(pool),
};
const pages = f.pages.split(',').map(Number);
const statements = new Map<number, { plain: Statement[]; json: Statement[] }>();
for (const page of pages) statements.set(page, await apiStatements(page));
await client.end();

async function loadApi(name: string, server: ApiServer) {
  for (const page of pages) {
    // One warm-up second: connections, JIT of the hot paths.
    const c = { url: `${server.baseUrl}/api/v1/traces/search`, method: 'POST' as const, headers: { authorization: `Bearer ${token}` }, bodies: [JSON.stringify(body(page))] };
    await runLoad(c, connections, 1);
    record(page, name, await withCpu(server.child.pid, () => runLoad(c, connections, duration)));
  }
}

for (const page of f['skip-pgbench'] ? [] : pages) {
  const { plain, json } = statements.get(page)!;
  record(page, `pgbench, page SQL (${plain.length} stmt)`, await pgbench(`rows-${page}`, plain));
  record(page, 'pgbench, page SQL building the JSON', await pgbench(`json-${page}`, json));
  record(page, 'pgbench, the same, prepared', await pgbench(`json-prepared-${page}`, json, true));
}

const after = await startApi(apiEnv);
try {
  await loadApi('tracelens (cache off)', after);
} finally {
  await after.stop();
}
if (f.tuned) {
  const tuned = await startApi({ ...apiEnv, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=32`.trim() });
  try {
    await loadApi('tracelens, --max-semi-space-size=32', tuned);
  } finally {
    await tuned.stop();
  }
}
if (f.before) {
  const before = await startApi(apiEnv, [], join(f.before, 'bin', 'tracelens.js'));
  try {
    await loadApi('tracelens before (cache off)', before);
  } finally {
    await before.stop();
  }
}
if (!f['skip-postgraphile']) {
  const pgl = await startPostGraphile();
  try {
    for (const page of pages) {
      const c = { url: `${pgl.baseUrl}/graphql`, method: 'POST' as const, headers: {}, bodies: [graphqlBody(page)] };
      await runLoad(c, connections, 1);
      record(page, 'PostGraphile 4 + connection-filter', await withCpu(pgl.child.pid, () => runLoad(c, connections, duration)));
    }
  } finally {
    await pgl.stop();
  }
}

const lines = [
  `Throughput at ${connections} HTTP connections, ${duration} s per case, ${rows} spans, provider eq openai, newest first;`,
  `API pool ${pool}, PostGraphile pool ${pool}, pgbench ${pool} clients (what one API process lets reach the database at once).`,
  '',
  '| page | target | req/s | P50 ms | P99 ms | P99/P50 | errors | CPU ms/req: server / PostgreSQL / load generator |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.page} | ${r.target} | ${r.rps} | ${r.p50} | ${r.p99} | ${(r.p99 / r.p50).toFixed(1)} | ${r.errors} | ${r.cpu ? `${r.cpu.server} / ${r.cpu.postgres} / ${r.cpu.load}` : ''} |`,
  ),
  '',
  ...pages.flatMap((page) => {
    const of = (t: string) => results.find((r) => r.page === page && r.target.startsWith(t))?.rps;
    const api = of('tracelens (cache off)');
    const tunedRps = of('tracelens, --max-semi-space-size');
    const out: string[] = [];
    const pgl = of('PostGraphile');
    const before = of('tracelens before');
    const floor = of('pgbench, the same, prepared');
    if (api && pgl) out.push(`${page} rows: tracelens / PostGraphile = ${(api / pgl).toFixed(2)}x`);
    if (tunedRps && pgl) out.push(`${page} rows: tracelens (--max-semi-space-size=32) / PostGraphile = ${(tunedRps / pgl).toFixed(2)}x`);
    if (api && before) out.push(`${page} rows: tracelens after / before = ${(api / before).toFixed(2)}x`);
    if (api && floor) out.push(`${page} rows: tracelens / pgbench (JSON SQL, prepared) = ${(api / floor).toFixed(2)}`);
    return out;
  }),
];
const report = lines.join('\n');
process.stdout.write(`${report}\n`);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(here, 'results', `throughput-${stamp}.md`), `${report}\n`);

// npm run soak -- [--duration 10m] [--clients 120] [--database-url URL] [--redis-url URL] [--fault-s 10]
// npm run soak -- --profile steady [--duration 30m] [--clients 60] ...   (no faults; see below)
//
// A `tracelens serve` child process on PostgreSQL and Redis, each reached
// through a TCP proxy this script controls. 100+ concurrent clients run a
// mixed read (search, list, trace by id) and ingest workload for the given
// time; midway the database is cut for --fault-s seconds (connections dropped,
// new ones refused), later Redis the same. The report (markdown and JSON in
// benches/results/) gives requests and statuses, P95/P99 before, during and
// after each fault, spans acknowledged vs stored, and the child's resident
// memory over time. See docs/reliability.md.
//
// --profile steady (issue 17, docs/performance.md): no faults, 60 clients,
// half of them ingesting realistic batches of 20-500 spans, the rest full-text
// search, filtered search and list; the report adds per-minute throughput and
// P95/P99 per operation, PostgreSQL wait events, GIN pending lists, vacuums
// and buffer accesses per index, and the goals judged against minute 2.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../src/auth/tokens.js';
import { runCli } from '../test/helpers/cli.js';
import { TcpProxy } from '../test/helpers/tcp-proxy.js';
import { DbSampler } from './soak/db-sampler.js';
import { checkGoals, perMinute, steadyMarkdown } from './soak/steady-report.js';
import { phaseStats, serverErrorsOutside, timeline, slopePerMinute, toMarkdown, totals, type MemorySample, type Phase, type SoakReport } from './soak/report.js';
import { Workload, type Profile } from './soak/workload.js';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
/** After a fault ends, errors within this margin still count as the fault's (reconnects, fail-fast window). */
const RECOVERY_MARGIN_MS = 5000;
const DRAIN_TIMEOUT_MS = 120_000;

function seconds(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`not a duration: ${v} (use 90, 90s, 10m)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

const { values: args } = parseArgs({
  options: {
    profile: { type: 'string', default: 'faults' },
    duration: { type: 'string' },
    clients: { type: 'string' },
    'database-url': { type: 'string', default: process.env.SOAK_DATABASE_URL ?? process.env.DATABASE_URL },
    'redis-url': { type: 'string', default: process.env.SOAK_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'fault-s': { type: 'string' },
    /** N or MIN-MAX (uniform). */
    'spans-per-batch': { type: 'string' },
    'pool-max': { type: 'string', default: '10' },
    label: { type: 'string', default: '' },
  },
});

if (args.profile !== 'faults' && args.profile !== 'steady') throw new Error(`--profile faults|steady, not ${args.profile}`);
const profile: Profile = args.profile;
const DEFAULTS = {
  faults: { duration: '10m', clients: '120', 'fault-s': '10', 'spans-per-batch': '20' },
  steady: { duration: '30m', clients: '60', 'fault-s': '0', 'spans-per-batch': '20-500' },
}[profile];
const opt = (k: keyof typeof DEFAULTS) => args[k] ?? DEFAULTS[k];
const durationS = seconds(opt('duration'));
const clients = Number(opt('clients'));
const faultMs = seconds(opt('fault-s')) * 1000;
const batchRange = /^(\d+)(?:-(\d+))?$/.exec(opt('spans-per-batch'));
if (!batchRange) throw new Error('--spans-per-batch N or MIN-MAX');
const spansPerBatch = [Number(batchRange[1]), Number(batchRange[2] ?? batchRange[1])] as const;
const databaseUrl = args['database-url'];
if (!databaseUrl) throw new Error('--database-url (or SOAK_DATABASE_URL / DATABASE_URL) is required');
const redisUrl = args['redis-url'];
const runId = randomBytes(4).toString('hex');
const secret = randomBytes(32).toString('base64url');
const log = (msg: string) => process.stderr.write(`[soak ${runId}] ${msg}\n`);

async function sampleData(url: string): Promise<{ projects: string[]; traceIds: string[] }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const exists = await c.query(`SELECT to_regclass('llm_traces') AS t`);
    if (!exists.rows[0].t) return { projects: ['soak-a', 'soak-b'], traceIds: [] };
    const traces = await c.query<{ trace_id: string; project_id: string }>(
      `SELECT trace_id, project_id FROM llm_traces TABLESAMPLE SYSTEM (1) WHERE trace_id NOT LIKE 'soak-%' LIMIT 1000`,
    );
    const projects = [...new Set(traces.rows.map((r) => r.project_id))].slice(0, 8);
    return { projects: projects.length ? projects : ['soak-a', 'soak-b'], traceIds: [...new Set(traces.rows.map((r) => r.trace_id))] };
  } finally {
    await c.end();
  }
}

async function storedSpans(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM llm_traces WHERE trace_id LIKE $1`, [`soak-${runId}-%`]);
    return r.rows[0]!.n;
  } finally {
    await c.end();
  }
}

async function rssMb(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : null;
}

async function waitHealthy(base: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('serve did not become healthy');
}

async function main() {
  const { projects, traceIds } = await sampleData(databaseUrl!);
  log(`projects ${projects.join(', ')}; ${traceIds.length} sampled trace ids`);
  const pgTarget = new URL(databaseUrl!);
  const redisTarget = new URL(redisUrl);
  const pgProxy = await TcpProxy.start(pgTarget.hostname, Number(pgTarget.port || 5432));
  const redisProxy = await TcpProxy.start(redisTarget.hostname, Number(redisTarget.port || 6379));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const serve = runCli(['serve'], {
    DATABASE_URL: pgProxy.url(databaseUrl!),
    REDIS_URL: redisProxy.url(redisUrl),
    JWT_SECRET: secret,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    DEMO_DATA: 'false',
    DB_POOL_MAX: args['pool-max'],
    CACHE_KEY_PREFIX: `tracelens-soak-${runId}:`,
    // The soak measures faults, not budgets: one token carries all the load.
    RATE_LIMIT_DEVELOPER: '100000000',
    // GIN_MERGE_INTERVAL_MS=0 reproduces the service without its background merge (docs/performance.md).
    ...(process.env.GIN_MERGE_INTERVAL_MS ? { GIN_MERGE_INTERVAL_MS: process.env.GIN_MERGE_INTERVAL_MS } : {}),
    // ROLLUP_MODE=deferred: rollup maintenance folded in the background instead of in the ingest transaction.
    ...(process.env.ROLLUP_MODE ? { ROLLUP_MODE: process.env.ROLLUP_MODE } : {}),
  });
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(base, 60_000);
  const pid = serve.child.pid!;
  const token = await mintToken(secret, { sub: 'soak', role: 'developer', projects, ttlS: durationS + 3600 });

  const startedAt = performance.now();
  const startedIso = new Date().toISOString();
  const elapsed = () => performance.now() - startedAt;
  const memory: MemorySample[] = [];
  const sampleMemory = async () => {
    const mb = await rssMb(pid);
    if (mb !== null) memory.push({ t_s: Math.round(elapsed() / 100) / 10, rss_mb: mb });
  };
  await sampleMemory();
  const memTimer = setInterval(() => void sampleMemory(), 2000);

  const sampler = profile === 'steady' ? await DbSampler.start(databaseUrl!, startedAt, log) : null;
  const workload = new Workload({ base, token, projects, traceIds, runId, profile, spansPerBatch, requestTimeoutMs: 60_000, startedAt });
  log(`${clients} clients for ${durationS} s against ${base} (pid ${pid})`);
  const running = Array.from({ length: clients }, () => workload.client());

  const durationMs = durationS * 1000;
  const dbFault: Phase = { name: 'database cut', fromMs: Math.round(durationMs * 0.4), toMs: Math.round(durationMs * 0.4) + faultMs };
  const redisFault: Phase = { name: 'redis cut', fromMs: Math.round(durationMs * 0.65), toMs: Math.round(durationMs * 0.65) + faultMs };
  const at = (ms: number, fn: () => unknown) => new Promise<void>((r) => setTimeout(() => void Promise.resolve(fn()).then(() => r()), Math.max(0, ms - elapsed())));
  const progress = setInterval(() => log(`${Math.round(elapsed() / 1000)} s: ${workload.samples.length} requests, ${workload.tally.spansAcknowledged} spans acknowledged`), 15_000);
  const faults = faultMs > 0 ? [dbFault, redisFault] : [];
  await Promise.all([
    ...(faultMs > 0
      ? [
          at(dbFault.fromMs, () => (log('cutting the database'), pgProxy.refuse())),
          at(dbFault.toMs, () => (log('database back'), pgProxy.restore())),
          at(redisFault.fromMs, () => (log('cutting redis'), redisProxy.refuse())),
          at(redisFault.toMs, () => (log('redis back'), redisProxy.restore())),
        ]
      : []),
    at(durationMs, () => undefined),
  ]);
  workload.stop();
  log('stopping; draining ingest retries');
  let drained = 0;
  const settled = running.map((p) => p.then(() => void drained++));
  await Promise.race([Promise.all(settled), new Promise((r) => setTimeout(r, DRAIN_TIMEOUT_MS))]);
  const undrained = clients - drained;
  const endMs = elapsed();
  clearInterval(progress);
  clearInterval(memTimer);
  await sampleMemory();
  await sampler?.stop();

  const spansStored = await storedSpans(databaseUrl!);
  serve.child.kill('SIGTERM');
  const exitCode = await serve.exited;
  await pgProxy.close();
  await redisProxy.close();

  const warmupMs = Math.min(60_000, durationMs * 0.15);
  const phases: Phase[] = faults.length === 0 ? [
    { name: 'warm-up', fromMs: 0, toMs: warmupMs },
    { name: 'after warm-up', fromMs: warmupMs, toMs: endMs },
  ] : [
    { name: 'warm-up', fromMs: 0, toMs: warmupMs },
    { name: 'before database cut', fromMs: warmupMs, toMs: dbFault.fromMs },
    { name: 'during database cut', fromMs: dbFault.fromMs, toMs: dbFault.toMs },
    { name: 'after database cut (before redis cut)', fromMs: dbFault.toMs, toMs: redisFault.fromMs },
    { name: 'during redis cut', fromMs: redisFault.fromMs, toMs: redisFault.toMs },
    { name: 'after redis cut', fromMs: redisFault.toMs, toMs: endMs },
  ];
  const afterWarmup = memory.filter((m) => m.t_s * 1000 >= warmupMs);
  const report: SoakReport = {
    run_id: runId,
    started_at: startedIso,
    config: { profile, duration_s: durationS, clients, fault_s: faultMs / 1000, spans_per_batch: opt('spans-per-batch'), pool_max: args['pool-max'], label: args.label, serve_exit_code: exitCode },
    totals: totals(workload.samples, endMs / 1000),
    phases: phases.map((p) => phaseStats(workload.samples, p)),
    timeline: timeline(workload.samples),
    faults: faults.map((f) => ({ name: f.name, from_s: f.fromMs / 1000, to_s: f.toMs / 1000 })),
    ingest: { ...workload.tally, spans_stored: spansStored, equal: spansStored === workload.tally.spansAcknowledged, undrained_clients: undrained },
    memory: {
      start_mb: memory[0]?.rss_mb ?? 0,
      end_mb: memory[memory.length - 1]?.rss_mb ?? 0,
      max_mb: Math.max(...memory.map((m) => m.rss_mb)),
      warmup_s: warmupMs / 1000,
      slope_mb_per_min: slopePerMinute(afterWarmup),
      samples: memory,
    },
    server_errors_outside_faults: serverErrorsOutside(workload.samples, faults, RECOVERY_MARGIN_MS),
  };
  const minutes = sampler ? perMinute(workload.samples, sampler.samples, endMs) : null;
  const spansPerS = workload.tally.spansAcknowledged / (durationMs / 1000);
  const goals = minutes ? checkGoals(minutes, spansPerS) : null;
  const steady = minutes && sampler ? { minutes, goals, db_samples: sampler.samples } : undefined;
  await mkdir(RESULTS_DIR, { recursive: true });
  const stem = join(RESULTS_DIR, `soak-${startedIso.replace(/[:.]/g, '-')}${args.label ? `-${args.label}` : ''}`);
  const md = toMarkdown(report) + (minutes && goals && sampler ? '\n' + steadyMarkdown(minutes, goals, sampler.ginSampled) : '');
  await writeFile(`${stem}.json`, JSON.stringify({ ...report, steady }, null, 2));
  await writeFile(`${stem}.md`, md);
  // The service's own error lines (LOG_LEVEL=error): what each 5xx was about.
  await writeFile(`${stem}.serve.log`, serve.stdout() + serve.stderr());
  process.stdout.write(`${md}\nwritten: ${stem}.md and .json\n`);
  if (!report.ingest.equal) process.exitCode = 1;
  // The samplers' and proxies' handles would keep the process alive after the report.
  process.exit(process.exitCode ?? 0);
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

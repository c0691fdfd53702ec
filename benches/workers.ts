// Throughput of `tracelens serve` with 1 and 2 workers, side by side: the
// two configurations alternate within each repetition so that a noisy
// neighbour hits both alike. For each: "cold" (result cache off: every
// request runs its query) and "warm" (cache on through Redis, primed).
//
//   DATABASE_URL=postgres://.../tracelens_bench_scale JWT_SECRET=... \
//     npx tsx benches/workers.ts [--reps 3] [--duration 10] [--connections 50]
//
// Needs `npm run build` first (the server runs from dist/) and Redis on 6379.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/tokens.js';
import { startApi } from './harness/api-server.js';
import { runLoad } from './harness/load.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1,2' },
  },
});
const databaseUrl = process.env.DATABASE_URL;
const secret = process.env.JWT_SECRET;
if (!databaseUrl || !secret) throw new Error('DATABASE_URL and JWT_SECRET are required');
const reps = Number(values.reps);
const duration = Number(values.duration);
const connections = Number(values.connections);
const workerCounts = values.workers.split(',').map(Number);

// A simple page: the newest 50 spans, unfiltered and with one equality filter.
const PATHS = ['/api/v1/traces?limit=50', '/api/v1/traces?limit=50&provider=openai', '/api/v1/traces?limit=50&status=ERROR', '/api/v1/traces?limit=50&environment=production'];

const token = await mintToken(secret, { sub: 'workers-bench', role: 'admin', ttlS: 3600 });
const headers = { authorization: `Bearer ${token}` };

interface Row {
  rep: number;
  workers: number;
  mode: 'cold' | 'warm';
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}
const rows: Row[] = [];

for (let rep = 1; rep <= reps; rep++) {
  for (const workers of workerCounts) {
    for (const mode of ['cold', 'warm'] as const) {
      const env: Record<string, string> = {
        DATABASE_URL: databaseUrl,
        JWT_SECRET: secret,
        DB_POOL_MAX: '10',
        CACHE_ENABLED: mode === 'warm' ? 'true' : 'false',
        ...(mode === 'warm' ? { REDIS_URL: 'redis://127.0.0.1:6379', CACHE_KEY_PREFIX: `tracelens-bench-${randomBytes(4).toString('hex')}:` } : {}),
      };
      const api = await startApi(env, ['--workers', String(workers)]);
      try {
        // Every worker up, JIT warm, and (warm mode) every page cached.
        await runLoad({ url: api.baseUrl, method: 'GET', headers, paths: PATHS }, connections, 3);
        const r = await runLoad({ url: api.baseUrl, method: 'GET', headers, paths: PATHS }, connections, duration);
        rows.push({ rep, workers, mode, rps: r.rps, p50: r.p50, p95: r.p95, p99: r.p99, errors: r.errors });
        process.stderr.write(`rep ${rep} workers ${workers} ${mode}: ${r.rps} req/s p50 ${r.p50} p95 ${r.p95} p99 ${r.p99} ms statuses ${JSON.stringify(r.statuses)}\n`);
      } finally {
        await api.stop();
      }
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const out: string[] = ['| workers | mode | req/s (median of reps) | req/s per rep | P50 ms | P95 ms | P99 ms | errors |', '|---|---|---|---|---|---|---|---|'];
for (const mode of ['cold', 'warm'] as const) {
  for (const workers of workerCounts) {
    const rs = rows.filter((r) => r.workers === workers && r.mode === mode);
    out.push(
      `| ${workers} | ${mode} | ${median(rs.map((r) => r.rps))} | ${rs.map((r) => r.rps).join(' / ')} | ${median(rs.map((r) => r.p50))} | ${median(rs.map((r) => r.p95))} | ${median(rs.map((r) => r.p99))} | ${rs.reduce((a, r) => a + r.errors, 0)} |`,
    );
  }
}
// Ratio of 2 workers to 1 within each repetition (same minute, same noise).
for (const mode of ['cold', 'warm'] as const) {
  const ratios = [];
  for (let rep = 1; rep <= reps; rep++) {
    const one = rows.find((r) => r.rep === rep && r.workers === workerCounts[0] && r.mode === mode);
    const two = rows.find((r) => r.rep === rep && r.workers === workerCounts[1] && r.mode === mode);
    if (one && two) ratios.push(Math.round((two.rps / one.rps) * 100) / 100);
  }
  out.push(`\n${mode}: ${workerCounts[1]}/${workerCounts[0]} workers throughput ratio per rep: ${ratios.join(', ')}`);
}
process.stdout.write(`${out.join('\n')}\n`);

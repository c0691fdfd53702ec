// Ingest throughput through HTTP: concurrent clients POST batches of realistic
// spans (the seed generator, under a unique run id so reruns never collide)
// to a running tracelens, and the run reports new spans per second and the
// batch latency percentiles.
//
//   JWT_SECRET=... npx tsx benches/ingest.ts [--url http://127.0.0.1:8080] [--spans 100000] [--batch 500] [--clients 8]
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth/tokens.js';
import { generateSpans } from '../src/seed/generate.js';
import { summarize } from './harness/stats.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    spans: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '500' },
    clients: { type: 'string', default: '8' },
  },
});
const secret = process.env.JWT_SECRET;
if (!secret) throw new Error('JWT_SECRET must be the secret of the running server');
const total = Number(values.spans);
const batchSize = Number(values.batch);
const clients = Number(values.clients);
const runId = `ingest-bench-${Date.now().toString(36)}`;

// Pre-generate every batch so the load generator spends its CPU on sending.
const batches: string[] = [];
let current: unknown[] = [];
for (const s of generateSpans({ rows: total, projects: 1, days: 1, seed: Date.now() % 1e9, end: new Date() })) {
  current.push({ ...s, project_id: runId, trace_id: `${runId}-${s.trace_id}` });
  if (current.length === batchSize) {
    batches.push(JSON.stringify(current));
    current = [];
  }
}
if (current.length) batches.push(JSON.stringify(current));

const token = await mintToken(secret, { sub: 'ingest-bench', role: 'admin', ttlS: 3600 });
const samples: number[] = [];
let next = 0;
let stored = 0;
let failed = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    while (next < batches.length) {
      const body = batches[next++]!;
      const t0 = performance.now();
      const res = await fetch(`${values.url}/api/v1/traces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
      const json = (await res.json()) as { data?: { new: number } };
      if (res.ok) {
        samples.push(performance.now() - t0);
        stored += json.data?.new ?? 0;
      } else failed++;
    }
  }),
);
const elapsedS = (performance.now() - started) / 1000;
const s = summarize(samples, elapsedS, failed);
console.log(
  JSON.stringify(
    {
      run_id: runId,
      spans_sent: total,
      spans_new: stored,
      batch_size: batchSize,
      clients,
      elapsed_s: Math.round(elapsedS * 10) / 10,
      new_spans_per_s: Math.round(stored / elapsedS),
      batch_latency_ms: { p50: s.p50, p95: s.p95, p99: s.p99 },
      failed_batches: failed,
    },
    null,
    2,
  ),
);

// Ingest throughput through HTTP: concurrent clients POST batches of realistic
// spans (the seed generator, under a unique run id so reruns never collide)
// to a running tracelens, and the run reports new spans per second and the
// batch latency percentiles.
//
//   JWT_SECRET=... npx tsx benches/ingest.ts [--url http://127.0.0.1:8080] [--spans 100000] [--batch 500] [--clients 8]
//
// --otlp compares, in one run and against one server, the JSON ingest with
// OTLP/HTTP (protobuf and OTLP/JSON, gzip) on the same spans: each round
// sends --spans new spans per mode, modes taking turns so that noise on a
// shared machine hits them alike. It also measures the server-side decode
// cost per span (decompress + decode + map + validate, in this process).
// Without --url it builds tracelens and starts it on a free port against
// the database tracelens_bench_otlp (created when missing).
//
//   npx tsx benches/ingest.ts --otlp [--spans 20000] [--rounds 2] [--batch 500] [--clients 8]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../src/auth/tokens.js';
import { decodeJson, decodeProtobuf } from '../src/ingest/otlp/codec.js';
import { prepareOtlp } from '../src/ingest/otlp/ingest-otlp.js';
import { SHIPPED_PRICES } from '../src/ingest/otlp/prices.js';
import { validateBatch } from '../src/ingest/validate-batch.js';
import { generateSpans } from '../src/seed/generate.js';
import type { SpanRecord } from '../src/storage/span-record.js';
import { startApi, type ApiServer } from './harness/api-server.js';
import { otlpJsonRequest, otlpProtobufRequest } from './harness/otlp-payload.js';
import { summarize } from './harness/stats.js';
import { BENCH_SERVER_URL } from './harness/bench-env.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    spans: { type: 'string' },
    batch: { type: 'string', default: '500' },
    clients: { type: 'string', default: '8' },
    otlp: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
  },
});
const total = Number(values.spans ?? (values.otlp ? 20000 : 100000));
const batchSize = Number(values.batch);
const clients = Number(values.clients);
const runId = `ingest-bench-${Date.now().toString(36)}`;

interface Mode {
  name: string;
  path: string;
  headers: Record<string, string>;
  /** Request bodies, and the spans each carries. */
  bodies: { body: Buffer | string; spans: number }[];
  /** Reads the number of new spans from a 2xx answer. */
  stored(res: Response, spans: number): Promise<number>;
}

function batchesOf(project: string, seed: number): SpanRecord[][] {
  const out: SpanRecord[][] = [];
  let current: SpanRecord[] = [];
  for (const s of generateSpans({ rows: total, projects: 1, days: 1, seed, end: new Date() })) {
    current.push({ ...s, project_id: project, trace_id: `${project}-${s.trace_id}` });
    if (current.length === batchSize) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

const jsonIngestStored = async (res: Response) => ((await res.json()) as { data?: { new: number } }).data?.new ?? 0;
// An empty ExportTraceServiceResponse means every span was stored; each run id is new, so all were new.
const otlpStored = async (res: Response, spans: number) => {
  const body = Buffer.from(await res.arrayBuffer());
  return body.length === 0 || body.toString() === '{}' ? spans : 0;
};

function jsonIngestMode(project: string, seed: number, gzip: boolean): Mode {
  return {
    name: gzip ? 'json_ingest_gzip' : 'json_ingest',
    path: '/api/v1/traces',
    headers: { 'content-type': 'application/json', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    bodies: batchesOf(project, seed).map((b) => ({ body: gzip ? gzipSync(JSON.stringify(b)) : JSON.stringify(b), spans: b.length })),
    stored: jsonIngestStored,
  };
}

function otlpMode(project: string, seed: number, wire: 'protobuf' | 'json'): Mode {
  return {
    name: `otlp_${wire}_gzip`,
    path: '/v1/traces',
    headers: { 'content-type': wire === 'protobuf' ? 'application/x-protobuf' : 'application/json', 'content-encoding': 'gzip' },
    bodies: batchesOf(project, seed).map((b) => {
      const json = otlpJsonRequest(b, project);
      return { body: gzipSync(wire === 'protobuf' ? otlpProtobufRequest(json) : JSON.stringify(json)), spans: b.length };
    }),
    stored: otlpStored,
  };
}

async function send(url: string, token: string, mode: Mode) {
  const samples: number[] = [];
  let next = 0;
  let stored = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < mode.bodies.length) {
        const { body, spans } = mode.bodies[next++]!;
        const t0 = performance.now();
        let res: Response;
        try {
          res = await fetch(`${url}${mode.path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...mode.headers }, body: body as BodyInit });
        } catch (err) {
          // A dropped connection is a failed batch, reported, not the end of the run.
          failed++;
          console.error(`${mode.name}: ${(err as Error).message} (${String((err as { cause?: unknown }).cause ?? '')})`);
          continue;
        }
        if (res.ok) {
          stored += await mode.stored(res, spans);
          samples.push(performance.now() - t0);
        } else {
          failed++;
          console.error(`${mode.name}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
        }
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  return { elapsedS, stored, failed, samples };
}

/** Server-side CPU per span of turning a request body into span records (no database). */
function decodeCostUs(mode: Mode): number {
  const principal = { sub: 'bench', orgId: null, role: 'admin' as const, permissions: new Set<never>(), projects: 'all' as const, tokenId: null };
  const sample = mode.bodies.slice(0, 20);
  // One table list throughout, as the server keeps: price lookups are cached per list.
  const prices = [SHIPPED_PRICES];
  const once = () => {
    for (const { body } of sample) {
      const raw = typeof body === 'string' ? Buffer.from(body) : mode.headers['content-encoding'] ? gunzipSync(body) : body;
      if (mode.path === '/api/v1/traces') validateBatch(JSON.parse(raw.toString()), principal, 100000);
      else prepareOtlp(principal, mode.headers['content-type'] === 'application/json' ? decodeJson(raw.toString()) : decodeProtobuf(raw), prices);
    }
  };
  once(); // warm up
  const spans = sample.reduce((n, b) => n + b.spans, 0);
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) once();
  return Math.round(((performance.now() - t0) * 1000) / (3 * spans) * 10) / 10;
}

async function ownServer(): Promise<{ url: string; secret: string; server: ApiServer }> {
  const database = 'tracelens_bench_otlp';
  const admin = new pg.Client({ connectionString: `${BENCH_SERVER_URL}/postgres` });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const secret = process.env.JWT_SECRET ?? randomBytes(32).toString('hex');
  // Load shedding off: on a shared machine the event loop lags for reasons of
  // its own, and a shed batch would measure the shedding, not the ingest.
  const server = await startApi({
    DATABASE_URL: `${BENCH_SERVER_URL}/${database}`,
    JWT_SECRET: secret,
    RATE_LIMIT_ADMIN: '1000000000',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    // Batches queue behind each other on a busy machine; the default 30 s whole-request bound would cut them.
    REQUEST_TIMEOUT_MS: '300000',
  });
  return { url: server.baseUrl, secret, server };
}

const own = values.url === undefined && values.otlp ? await ownServer() : null;
const url = own?.url ?? values.url ?? 'http://127.0.0.1:8080';
const secret = own?.secret ?? process.env.JWT_SECRET;
if (!secret) throw new Error('JWT_SECRET must be the secret of the running server');
const token = await mintToken(secret, { sub: 'ingest-bench', role: 'admin', ttlS: 3600 });

try {
  if (!values.otlp) {
    const mode = jsonIngestMode(runId, Date.now() % 1e9, false);
    const r = await send(url, token, mode);
    const s = summarize(r.samples, r.elapsedS, r.failed);
    console.log(
      JSON.stringify(
        {
          run_id: runId,
          spans_sent: total,
          spans_new: r.stored,
          batch_size: batchSize,
          clients,
          elapsed_s: Math.round(r.elapsedS * 10) / 10,
          new_spans_per_s: Math.round(r.stored / r.elapsedS),
          batch_latency_ms: { p50: s.p50, p95: s.p95, p99: s.p99 },
          failed_batches: r.failed,
        },
        null,
        2,
      ),
    );
  } else {
    const rounds = Number(values.rounds);
    const makers = [
      (p: string, seed: number) => jsonIngestMode(p, seed, false),
      (p: string, seed: number) => jsonIngestMode(p, seed, true),
      (p: string, seed: number) => otlpMode(p, seed, 'protobuf'),
      (p: string, seed: number) => otlpMode(p, seed, 'json'),
    ];
    const totals = new Map<string, { elapsedS: number; stored: number; failed: number; samples: number[]; decodeUs: number }>();
    for (let round = 0; round < rounds; round++) {
      for (const [i, make] of makers.entries()) {
        // Same seed per round for every mode: the same spans, under each mode's own project.
        const mode = make(`${runId}-r${round}-m${i}`, 1000 + round);
        const t = totals.get(mode.name) ?? { elapsedS: 0, stored: 0, failed: 0, samples: [], decodeUs: decodeCostUs(mode) };
        const r = await send(url, token, mode);
        totals.set(mode.name, { ...t, elapsedS: t.elapsedS + r.elapsedS, stored: t.stored + r.stored, failed: t.failed + r.failed, samples: [...t.samples, ...r.samples] });
        console.error(`round ${round + 1}/${rounds} ${mode.name}: ${Math.round(r.stored / r.elapsedS)} spans/s`);
      }
    }
    const rate = (name: string) => totals.get(name)!.stored / totals.get(name)!.elapsedS;
    const modes = Object.fromEntries(
      [...totals.entries()].map(([name, t]) => {
        const s = summarize(t.samples, t.elapsedS, t.failed);
        return [name, { spans_new: t.stored, new_spans_per_s: Math.round(rate(name)), batch_latency_ms: { p50: s.p50, p95: s.p95, p99: s.p99 }, failed_batches: t.failed, decode_us_per_span: t.decodeUs }];
      }),
    );
    const ratio = (a: string, b: string) => Math.round((rate(a) / rate(b)) * 100) / 100;
    console.log(
      JSON.stringify(
        {
          run_id: runId,
          spans_per_mode_per_round: total,
          rounds,
          batch_size: batchSize,
          clients,
          modes,
          ratios: {
            otlp_protobuf_gzip_vs_json_ingest: ratio('otlp_protobuf_gzip', 'json_ingest'),
            otlp_protobuf_gzip_vs_json_ingest_gzip: ratio('otlp_protobuf_gzip', 'json_ingest_gzip'),
            otlp_json_gzip_vs_json_ingest: ratio('otlp_json_gzip', 'json_ingest'),
          },
        },
        null,
        2,
      ),
    );
  }
} finally {
  await own?.server.stop();
}

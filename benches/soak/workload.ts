// The soak's clients: each loops over a mixed workload (search, list, trace by
// id, ingest) against one base URL until told to stop. Ingest behaves like an
// OpenTelemetry exporter with a durable queue: a batch that is not
// acknowledged (503, 504, 429, connection error, timeout) is resent, the same
// batch, until it is, so at the end every batch the soak created is
// acknowledged exactly once and "spans acknowledged == spans stored" is exact.
import { randomBytes, randomInt } from 'node:crypto';
import { VOCABULARY } from '../../src/seed/vocabulary.js';
import { SteadySpans } from './steady-spans.js';

/** search: filtered search; fts: full-text search (steady profile only). */
export type Op = 'search' | 'fts' | 'list' | 'trace' | 'ingest';

/**
 * faults: the fault soak's mix (25 % ingest of small synthetic batches).
 * steady: the sustained mix of issue 17, half ingest of realistic batches of
 * 20-500 spans, the rest full-text search, filtered search and list.
 */
export type Profile = 'faults' | 'steady';

export interface Sample {
  /** ms since the soak started, at request start */
  t: number;
  /** Spans acknowledged by this (ingest) request. */
  spans?: number;
  op: Op;
  /** HTTP status, or 0 for a connection error / client timeout */
  status: number;
  ms: number;
  /** error.code of a non-2xx answer (SERVICE_UNAVAILABLE, QUERY_TIMEOUT, ...) */
  code?: string;
}

export interface WorkloadOptions {
  base: string;
  /** Bearer token with read and write access to `projects`. */
  token: string;
  projects: readonly string[];
  /** Trace ids known to exist (sampled from the database at start). */
  traceIds: string[];
  runId: string;
  profile: Profile;
  /** Spans per ingest batch, [min, max] (uniform). */
  spansPerBatch: readonly [number, number];
  /** Client-side bound of one request: a request past it counts as status 0. */
  requestTimeoutMs: number;
  startedAt: number;
}

export interface IngestTally {
  batchesCreated: number;
  batchesAcknowledged: number;
  spansAcknowledged: number;
  /** Retries of a batch after a failure (not acknowledged the first time). */
  retries: number;
  /** Acknowledged on a retry with duplicates > 0: the failed attempt had been stored (ambiguous failure). */
  ambiguousStored: number;
}

const WORDS = ['error', 'timeout', 'refund', 'password', 'invoice', 'summary', 'python', 'capital', 'latency', 'context'];
const PROVIDERS = ['openai', 'anthropic', 'google', 'mistral', 'groq'];
const RANGES = ['now-1h', 'now-24h', 'now-7d', 'now-30d'];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

function searchBody(projects: readonly string[]): unknown {
  const range = pick(RANGES);
  const filters = [
    () => ({ field: 'provider', operator: 'eq', value: pick(PROVIDERS) }),
    () => ({ field: 'status_code', operator: 'eq', value: 'ERROR' }),
    () => ({ field: 'input_text', operator: 'search', value: pick(WORDS) }),
    () => ({ field: 'duration_ms', operator: 'gte', value: pick([500, 1000, 2000, 5000]) }),
    () => ({ operator: 'AND', filters: [{ field: 'project_id', operator: 'eq', value: pick(projects) }, { field: 'total_tokens', operator: 'gt', value: pick([100, 1000]) }] }),
  ];
  return { filter: pick(filters)(), from: range, limit: pick([20, 50]) };
}

/** Full-text search for one word: half from the frequent head of the seed's vocabulary, half from anywhere (mostly the long tail). */
function ftsBody(): unknown {
  const word = Math.random() < 0.5 ? VOCABULARY[randomInt(200)]! : pick(VOCABULARY);
  return { filter: { field: 'content', operator: 'search', value: word }, from: pick(RANGES), limit: pick([20, 50]) };
}

/** Filtered search of the steady mix: equality, ranges, a user, tags and substrings (the trigram indexes). */
function steadyFilterBody(projects: readonly string[]): unknown {
  const filters = [
    () => ({ field: 'provider', operator: 'eq', value: pick(PROVIDERS) }),
    () => ({ field: 'status_code', operator: 'eq', value: 'ERROR' }),
    () => ({ field: 'duration_ms', operator: 'gte', value: pick([1000, 5000, 20000]) }),
    () => ({ field: 'user_id', operator: 'eq', value: `user_${String(randomInt(40_000)).padStart(5, '0')}` }),
    () => ({ field: 'tags', operator: 'contains', value: [pick(['rag', 'agent', 'beta', 'priority', 'eval'])] }),
    () => ({ field: 'error_message', operator: 'contains', value: pick(['rate limit', 'timeout', 'context length', 'overloaded', 'invalid']) }),
    () => ({ field: 'input_text', operator: 'contains', value: pick(VOCABULARY) }),
    () => ({ operator: 'AND', filters: [{ field: 'project_id', operator: 'eq', value: pick(projects) }, { field: 'total_tokens', operator: 'gt', value: pick([100, 1000]) }] }),
  ];
  return { filter: pick(filters)(), from: pick(RANGES), limit: pick([20, 50]) };
}

function listPath(): string {
  const q = new URLSearchParams({ limit: String(pick([10, 20, 50])), from: pick(RANGES) });
  const r = Math.random();
  if (r < 0.3) q.set('provider', pick(PROVIDERS));
  else if (r < 0.5) q.set('status', 'ERROR');
  else if (r < 0.6) q.set('search', pick(WORDS));
  return `/api/v1/traces?${q}`;
}

function ingestBatch(o: WorkloadOptions, batchNo: number, size: number): unknown[] {
  const traceId = `soak-${o.runId}-${batchNo}`;
  const now = Date.now();
  return Array.from({ length: size }, (_, i) => ({
    ts: new Date(now - i).toISOString(),
    trace_id: traceId,
    span_id: `s${i}`,
    parent_span_id: i === 0 ? null : 's0',
    project_id: o.projects[batchNo % o.projects.length],
    span_name: i === 0 ? 'agent.run' : 'llm.chat.completion',
    provider: pick(PROVIDERS),
    model: 'soak-model',
    input_text: `soak ${pick(WORDS)} ${pick(WORDS)} ${randomBytes(8).toString('hex')}`,
    output_text: `answer ${pick(WORDS)}`,
    prompt_tokens: 100 + i,
    completion_tokens: 20,
    prompt_cost_usd: '0.0001',
    completion_cost_usd: '0.00002',
    duration_ms: 50 + i * 10,
    status_code: 'OK',
    attributes: { soak_run: o.runId },
  }));
}

export class Workload {
  readonly samples: Sample[] = [];
  readonly tally: IngestTally = { batchesCreated: 0, batchesAcknowledged: 0, spansAcknowledged: 0, retries: 0, ambiguousStored: 0 };
  private stopping = false;
  private batchNo = 0;

  constructor(private readonly o: WorkloadOptions) {}

  stop(): void {
    this.stopping = true;
  }

  /** One client; resolves after stop() once its current batch (with retries) is acknowledged. */
  async client(): Promise<void> {
    let cursor: { path: string; body: Record<string, unknown> } | null = null;
    const spans = this.o.profile === 'steady' ? new SteadySpans(this.o.runId, this.o.projects) : null;
    while (!this.stopping) {
      const r = Math.random();
      if (spans) {
        if (r < 0.5) await this.ingest(spans);
        else if (r < 0.7) await this.request('fts', '/api/v1/traces/search', { method: 'POST', body: JSON.stringify(ftsBody()) });
        else if (r < 0.85) await this.request('search', '/api/v1/traces/search', { method: 'POST', body: JSON.stringify(steadyFilterBody(this.o.projects)) });
        else await this.list();
      } else if (r < 0.25) await this.ingest(null);
      else if (r < 0.45) await this.traceById();
      else if (r < 0.7) await this.list();
      else cursor = await this.search(cursor);
    }
  }

  private async request(op: Op, path: string, init: RequestInit = {}): Promise<{ status: number; json: unknown; sample: Sample }> {
    const t0 = performance.now();
    let status = 0;
    let json: unknown = null;
    try {
      const res = await fetch(this.o.base + path, {
        ...init,
        headers: { authorization: `Bearer ${this.o.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        signal: AbortSignal.timeout(this.o.requestTimeoutMs),
      });
      status = res.status;
      const text = await res.text();
      json = text ? JSON.parse(text) : null;
    } catch {
      status = 0;
    }
    const ms = performance.now() - t0;
    const sample: Sample = { t: Math.round(t0 - this.o.startedAt), op, status, ms: Math.round(ms * 10) / 10 };
    // The code and the first words of the message: a 503 may be overload, the pool or the database.
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    if (status >= 300 && error?.code) sample.code = `${op}:${error.code} (${(error.message ?? '').split(/[;:]/)[0]})`;
    this.samples.push(sample);
    return { status, json, sample };
  }

  private async traceById() {
    if (this.o.traceIds.length === 0) return this.list();
    await this.request('trace', `/api/v1/traces/${encodeURIComponent(pick(this.o.traceIds))}`);
  }

  private async list() {
    await this.request('list', listPath());
  }

  /** A first page, or (30 % of the time) the next page of the previous search: uncached keyset reads. */
  private async search(prev: { path: string; body: Record<string, unknown> } | null) {
    const body = prev && Math.random() < 0.3 ? prev.body : (searchBody(this.o.projects) as Record<string, unknown>);
    const { status, json } = await this.request('search', '/api/v1/traces/search', { method: 'POST', body: JSON.stringify(body) });
    const next = (json as { pagination?: { cursor?: string | null } } | null)?.pagination?.cursor;
    if (status === 200 && next) return { path: '/api/v1/traces/search', body: { ...body, cursor: next } };
    return null;
  }

  private async ingest(spans: SteadySpans | null) {
    const batchNo = ++this.batchNo;
    this.tally.batchesCreated++;
    const [min, max] = this.o.spansPerBatch;
    const size = min + randomInt(max - min + 1);
    const body = JSON.stringify(spans ? spans.batch(batchNo, size) : ingestBatch(this.o, batchNo, size));
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.tally.retries++;
      const { status, json, sample } = await this.request('ingest', '/api/v1/traces', { method: 'POST', body });
      if (status === 200 || status === 201) {
        const data = (json as { data: { accepted: number; duplicates: number } }).data;
        sample.spans = data.accepted;
        this.tally.batchesAcknowledged++;
        this.tally.spansAcknowledged += data.accepted;
        if (attempt > 0 && data.duplicates > 0) this.tally.ambiguousStored++;
        return;
      }
      if (status !== 0 && status !== 429 && status !== 502 && status !== 503 && status !== 504) {
        // Not retryable: a bug (the soak's spans are valid). Counted in the report; the batch is dropped.
        return;
      }
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 500));
    }
  }
}

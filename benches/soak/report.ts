// Turns the soak's samples into the report: per phase (before, during and
// after each fault) request counts, statuses and P95/P99; memory at start and
// end with its slope after warm-up; and the acknowledged-vs-stored check.
import { percentile } from '../harness/stats.js';
import type { IngestTally, Op, Sample } from './workload.js';

export interface Phase {
  name: string;
  fromMs: number;
  toMs: number;
}

export interface PhaseStats {
  phase: string;
  from_s: number;
  to_s: number;
  requests: number;
  statuses: Record<string, number>;
  /** Latency of successful (2xx) responses, by operation and overall. */
  p95_ms: Record<Op | 'all', number | null>;
  p99_ms: Record<Op | 'all', number | null>;
}

export interface MemorySample {
  t_s: number;
  rss_mb: number;
}

export interface SoakReport {
  run_id: string;
  started_at: string;
  config: Record<string, unknown>;
  totals: { requests: number; statuses: Record<string, number>; errors: Record<string, number>; by_op: Record<string, number>; requests_per_s: number };
  phases: PhaseStats[];
  faults: { name: string; from_s: number; to_s: number }[];
  ingest: IngestTally & { spans_stored: number; equal: boolean; undrained_clients: number };
  memory: { start_mb: number; end_mb: number; max_mb: number; warmup_s: number; slope_mb_per_min: number; samples: MemorySample[] };
  /** Per 5 s: requests, non-2xx answers, P95 of the successful ones. */
  timeline: TimelinePoint[];
  /** 5xx responses outside the fault windows (plus a recovery margin): the "zero 500s" criterion. */
  server_errors_outside_faults: Record<string, number>;
}

export interface TimelinePoint {
  t_s: number;
  requests: number;
  errors: number;
  p95_ms: number | null;
}

export function timeline(samples: readonly Sample[], stepMs = 5000): TimelinePoint[] {
  const buckets = new Map<number, Sample[]>();
  for (const s of samples) {
    const k = Math.floor(s.t / stepMs);
    if (!buckets.has(k)) buckets.set(k, []);
    buckets.get(k)!.push(s);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, xs]) => {
      const ok = xs.filter((s) => s.status >= 200 && s.status < 300).map((s) => s.ms).sort((a, b) => a - b);
      return { t_s: (k * stepMs) / 1000, requests: xs.length, errors: xs.length - ok.length, p95_ms: ok.length ? percentile(ok, 95) : null };
    });
}

const OPS: (Op | 'all')[] = ['all', 'search', 'fts', 'list', 'trace', 'ingest'];

export function statusLabel(status: number): string {
  return status === 0 ? 'conn/timeout' : String(status);
}

function tally(samples: readonly Sample[], label: (s: Sample) => string = (s) => statusLabel(s.status)): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[label(s)] = (out[label(s)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
}

/** Non-2xx answers by operation and error code (what a 503 was about). */
export function errorCodes(samples: readonly Sample[]): Record<string, number> {
  return tally(
    samples.filter((s) => s.status === 0 || s.status >= 300),
    (s) => `${statusLabel(s.status)} ${s.code ?? s.op}`,
  );
}

export function phaseStats(samples: readonly Sample[], phase: Phase): PhaseStats {
  const inPhase = samples.filter((s) => s.t >= phase.fromMs && s.t < phase.toMs);
  const p95 = {} as PhaseStats['p95_ms'];
  const p99 = {} as PhaseStats['p99_ms'];
  for (const op of OPS) {
    const ok = inPhase
      .filter((s) => s.status >= 200 && s.status < 300 && (op === 'all' || s.op === op))
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    p95[op] = ok.length ? percentile(ok, 95) : null;
    p99[op] = ok.length ? percentile(ok, 99) : null;
  }
  return {
    phase: phase.name,
    from_s: Math.round(phase.fromMs / 100) / 10,
    to_s: Math.round(phase.toMs / 100) / 10,
    requests: inPhase.length,
    statuses: tally(inPhase),
    p95_ms: p95,
    p99_ms: p99,
  };
}

/** Least-squares slope of RSS over time, in MB per minute. */
export function slopePerMinute(samples: readonly MemorySample[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mx = samples.reduce((a, s) => a + s.t_s, 0) / n;
  const my = samples.reduce((a, s) => a + s.rss_mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t_s - mx) * (s.rss_mb - my);
    den += (s.t_s - mx) ** 2;
  }
  return den === 0 ? 0 : Math.round((num / den) * 60 * 100) / 100;
}

export function totals(samples: readonly Sample[], elapsedS: number): SoakReport['totals'] {
  const byOp: Record<string, number> = {};
  for (const s of samples) byOp[s.op] = (byOp[s.op] ?? 0) + 1;
  return { requests: samples.length, statuses: tally(samples), errors: errorCodes(samples), by_op: byOp, requests_per_s: Math.round((samples.length / elapsedS) * 10) / 10 };
}

/**
 * 5xx and connection errors of requests that did not overlap [fault start,
 * fault end + margin): a request sent just before a cut and still in flight
 * when it began belongs to the fault.
 */
export function serverErrorsOutside(samples: readonly Sample[], faults: readonly Phase[], marginMs: number): Record<string, number> {
  const outside = samples.filter(
    (s) => (s.status >= 500 || s.status === 0) && !faults.some((f) => s.t + s.ms >= f.fromMs && s.t < f.toMs + marginMs),
  );
  return errorCodes(outside);
}

const fmt = (v: number | null) => (v === null ? '–' : v.toFixed(0));
const statuses = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

export function toMarkdown(r: SoakReport): string {
  const lines: string[] = [];
  lines.push(`# Soak run ${r.run_id}`, '');
  lines.push(`Started ${r.started_at}. Configuration: ${Object.entries(r.config).map(([k, v]) => `${k}=${v}`).join(', ')}.`, '');
  lines.push(`Faults: ${r.faults.map((f) => `${f.name} ${f.from_s}-${f.to_s} s`).join('; ') || 'none'}.`, '');
  lines.push('## Totals', '');
  lines.push(`- requests: ${r.totals.requests} (${r.totals.requests_per_s}/s); by operation: ${statuses(r.totals.by_op)}`);
  lines.push(`- statuses: ${statuses(r.totals.statuses)}`);
  lines.push(`- errors by status and code: ${statuses(r.totals.errors) || 'none'}`);
  lines.push(`- 5xx or connection errors outside the fault windows (+ recovery margin): ${statuses(r.server_errors_outside_faults) || 'none'}`);
  lines.push('');
  lines.push('## Latency by phase (successful responses, ms; a request counts in the phase in which it was sent)', '');
  lines.push('| phase | time (s) | requests | statuses | P95 all | P99 all | P95 search | P95 fts | P95 list | P95 trace | P95 ingest |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const p of r.phases) {
    lines.push(
      `| ${p.phase} | ${p.from_s}-${p.to_s} | ${p.requests} | ${statuses(p.statuses)} | ${fmt(p.p95_ms.all)} | ${fmt(p.p99_ms.all)} | ${fmt(p.p95_ms.search)} | ${fmt(p.p95_ms.fts)} | ${fmt(p.p95_ms.list)} | ${fmt(p.p95_ms.trace)} | ${fmt(p.p95_ms.ingest)} |`,
    );
  }
  lines.push('', '## Timeline (per 5 s)', '');
  lines.push('| t (s) | requests | non-2xx | P95 ms |', '|---|---|---|---|');
  for (const p of r.timeline) lines.push(`| ${p.t_s} | ${p.requests} | ${p.errors} | ${fmt(p.p95_ms)} |`);
  lines.push('', '## Ingest', '');
  const i = r.ingest;
  lines.push(`- batches created ${i.batchesCreated}, acknowledged ${i.batchesAcknowledged}, resent after a failure ${i.retries} times`);
  lines.push(`- batches whose failed attempt had in fact been stored (acknowledged as duplicates on resend): ${i.ambiguousStored}`);
  lines.push(`- **spans acknowledged ${i.spansAcknowledged}, spans stored ${i.spans_stored}: ${i.equal ? 'equal' : 'NOT EQUAL'}**`);
  if (i.undrained_clients > 0) lines.push(`- clients still retrying when the drain timed out: ${i.undrained_clients}`);
  lines.push('', '## Memory (resident set of the serve process)', '');
  lines.push(`- start ${r.memory.start_mb} MB, end ${r.memory.end_mb} MB, max ${r.memory.max_mb} MB`);
  lines.push(`- slope after the ${r.memory.warmup_s} s warm-up: ${r.memory.slope_mb_per_min} MB/min`);
  lines.push('');
  return lines.join('\n');
}

// The steady profile's report: per-minute throughput and P95/P99 per
// operation next to what PostgreSQL was doing (wait events, GIN pending
// lists, vacuums, buffer accesses per index), and the goals of issue 17
// judged against the second minute.
import { percentile } from '../harness/stats.js';
import type { DbSample } from './db-sampler.js';
import type { Op, Sample } from './workload.js';

const STEADY_OPS: Op[] = ['ingest', 'fts', 'search', 'list'];
/** Goals: every minute >= 70 % of minute 2's throughput, P95 <= 2x minute 2's, ingest >= 80 % of 4,000 spans/s. */
export const GOALS = { throughputShare: 0.7, p95Factor: 2, ingestSpansPerS: 0.8 * 4000 } as const;

export interface MinuteStats {
  minute: number;
  requests_per_s: number;
  spans_per_s: number;
  errors: number;
  server_errors: number;
  p95_ms: Partial<Record<Op, number>>;
  p99_ms: Partial<Record<Op, number>>;
  /** Average number of active backends per wait event over the minute. */
  waits: Record<string, number>;
  /** Largest pending list seen in the minute, per GIN index. */
  gin_pending_pages: Record<string, number>;
  gin_pending_tuples_total: number | null;
  /** Vacuums (manual + auto) and autovacuums that finished during the minute; samples with a vacuum running. */
  vacuums: number;
  autovacuums: number;
  autoanalyzes: number;
  vacuum_running_samples: number;
  rows_inserted_since_vacuum: number | null;
  /** Shared-buffer accesses per index during the minute. */
  index_blocks: Record<string, number>;
}

export interface GoalCheck {
  goal: string;
  ok: boolean;
  detail: string;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export function perMinute(samples: readonly Sample[], db: readonly DbSample[], endMs: number): MinuteStats[] {
  const minutes = Math.floor(endMs / 60_000);
  const out: MinuteStats[] = [];
  let prev: DbSample | undefined = db.find((d) => d.table);
  for (let m = 0; m < minutes; m++) {
    const from = m * 60_000;
    const to = from + 60_000;
    const xs = samples.filter((s) => s.t >= from && s.t < to);
    const p95: MinuteStats['p95_ms'] = {};
    const p99: MinuteStats['p99_ms'] = {};
    for (const op of STEADY_OPS) {
      const ok = xs.filter((s) => s.op === op && s.status >= 200 && s.status < 300).map((s) => s.ms).sort((a, b) => a - b);
      if (ok.length) {
        p95[op] = percentile(ok, 95);
        p99[op] = percentile(ok, 99);
      }
    }
    const ds = db.filter((d) => d.t_s * 1000 >= from && d.t_s * 1000 < to);
    const waits: Record<string, number> = {};
    for (const d of ds) for (const [w, n] of Object.entries(d.waits)) waits[w] = (waits[w] ?? 0) + n;
    for (const w of Object.keys(waits)) waits[w] = round(waits[w]! / Math.max(1, ds.length), 2);
    const gin: Record<string, number> = {};
    let tuples: number | null = null;
    for (const d of ds) {
      if (!d.gin) continue;
      let sum = 0;
      for (const [name, g] of Object.entries(d.gin)) {
        gin[name] = Math.max(gin[name] ?? 0, g.pages);
        sum += g.tuples;
      }
      tuples = Math.max(tuples ?? 0, sum);
    }
    const withTable = ds.filter((d) => d.table);
    const last = withTable[withTable.length - 1];
    const blocks: Record<string, number> = {};
    if (last?.index_blocks && prev?.index_blocks) {
      for (const [name, n] of Object.entries(last.index_blocks)) blocks[name] = n - (prev.index_blocks[name] ?? 0);
    }
    out.push({
      minute: m + 1,
      requests_per_s: round(xs.length / 60),
      spans_per_s: round(xs.reduce((a, s) => a + (s.spans ?? 0), 0) / 60, 0),
      errors: xs.filter((s) => s.status === 0 || s.status >= 300).length,
      server_errors: xs.filter((s) => s.status === 0 || s.status >= 500).length,
      p95_ms: p95,
      p99_ms: p99,
      waits,
      gin_pending_pages: gin,
      gin_pending_tuples_total: tuples,
      vacuums: last?.table && prev?.table ? last.table.vacuums - prev.table.vacuums : 0,
      autovacuums: last?.table && prev?.table ? last.table.autovacuums - prev.table.autovacuums : 0,
      autoanalyzes: last?.table && prev?.table ? last.table.autoanalyzes - prev.table.autoanalyzes : 0,
      vacuum_running_samples: withTable.filter((d) => d.table!.vacuum_running > 0).length,
      rows_inserted_since_vacuum: last?.table?.ins_since_vacuum ?? null,
      index_blocks: blocks,
    });
    if (last) prev = last;
  }
  return out;
}

export function checkGoals(minutes: readonly MinuteStats[], spansPerS: number): GoalCheck[] {
  const base = minutes[1];
  if (!base) return [{ goal: 'at least two full minutes', ok: false, detail: `${minutes.length} full minute(s)` }];
  const later = minutes.slice(1);
  const low = later.filter((m) => m.requests_per_s < GOALS.throughputShare * base.requests_per_s);
  const lowSpans = later.filter((m) => m.spans_per_s < GOALS.throughputShare * base.spans_per_s);
  const slow: string[] = [];
  for (const m of later) {
    for (const op of STEADY_OPS) {
      const b = base.p95_ms[op];
      const v = m.p95_ms[op];
      if (b !== undefined && v !== undefined && v > GOALS.p95Factor * b) slow.push(`minute ${m.minute} ${op} ${v.toFixed(0)} ms`);
    }
  }
  return [
    {
      goal: `every minute's requests/s >= ${GOALS.throughputShare * 100} % of minute 2 (${base.requests_per_s}/s)`,
      ok: low.length === 0,
      detail: low.length ? low.map((m) => `minute ${m.minute}: ${m.requests_per_s}/s`).join(', ') : `lowest ${Math.min(...later.map((m) => m.requests_per_s))}/s`,
    },
    {
      goal: `every minute's spans/s >= ${GOALS.throughputShare * 100} % of minute 2 (${base.spans_per_s}/s)`,
      ok: lowSpans.length === 0,
      detail: lowSpans.length ? lowSpans.map((m) => `minute ${m.minute}: ${m.spans_per_s}/s`).join(', ') : `lowest ${Math.min(...later.map((m) => m.spans_per_s))}/s`,
    },
    { goal: `every minute's P95 per operation <= ${GOALS.p95Factor}x minute 2`, ok: slow.length === 0, detail: slow.length ? slow.join(', ') : 'all within' },
    { goal: `ingest >= ${GOALS.ingestSpansPerS} spans/s over the run`, ok: spansPerS >= GOALS.ingestSpansPerS, detail: `${spansPerS.toFixed(0)} spans/s` },
  ];
}

const fmt = (v: number | undefined | null) => (v === undefined || v === null ? '–' : v.toFixed(0));

export function steadyMarkdown(minutes: readonly MinuteStats[], goals: readonly GoalCheck[], ginSampled: boolean): string {
  const lines: string[] = ['## Steady profile: per minute', ''];
  lines.push('| min | req/s | spans/s | non-2xx | 5xx/conn | ' + STEADY_OPS.map((op) => `${op} P95 / P99`).join(' | ') + ' |');
  lines.push('|---|---|---|---|---|' + STEADY_OPS.map(() => '---|').join(''));
  for (const m of minutes) {
    lines.push(
      `| ${m.minute} | ${m.requests_per_s} | ${m.spans_per_s} | ${m.errors} | ${m.server_errors} | ` +
        STEADY_OPS.map((op) => `${fmt(m.p95_ms[op])} / ${fmt(m.p99_ms[op])}`).join(' | ') +
        ' |',
    );
  }
  lines.push('', '### PostgreSQL per minute', '');
  lines.push('Wait events: average active client backends per event. GIN: the six largest pending lists of the minute, in pages (the index name without `llm_traces_`).', '');
  lines.push('| min | top wait events | GIN pending pages (max) | pending tuples (max, all) | vacuums / auto / autoanalyze | rows since vacuum |');
  lines.push('|---|---|---|---|---|---|');
  for (const m of minutes) {
    const waits = Object.entries(m.waits)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([w, n]) => `${w} ${n}`)
      .join(', ');
    // The largest lists only: every partition has its GIN indexes, and all but the ones taking ingest are empty.
    const gin = ginSampled
      ? Object.entries(m.gin_pending_pages)
          .filter(([, v]) => v > 0)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([k, v]) => `${k.replace(/^llm_traces_/, '')} ${v}`)
          .join(', ') || 'all empty'
      : 'not sampled';
    lines.push(
      `| ${m.minute} | ${waits} | ${gin} | ${fmt(m.gin_pending_tuples_total)} | ${m.vacuums} / ${m.autovacuums} / ${m.autoanalyzes}${m.vacuum_running_samples ? ' (running)' : ''} | ${fmt(m.rows_inserted_since_vacuum)} |`,
    );
  }
  lines.push('', '### Buffer accesses per index and minute (thousands, top 8 over the run)', '');
  const totals: Record<string, number> = {};
  for (const m of minutes) for (const [k, v] of Object.entries(m.index_blocks)) totals[k] = (totals[k] ?? 0) + v;
  const top = Object.entries(totals)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k]) => k);
  lines.push('| min | ' + top.map((k) => k.replace(/^llm_traces_/, '')).join(' | ') + ' |', '|---|' + top.map(() => '---|').join(''));
  for (const m of minutes) lines.push(`| ${m.minute} | ` + top.map((k) => fmt((m.index_blocks[k] ?? 0) / 1000)).join(' | ') + ' |');
  lines.push('', '### Goals (against minute 2)', '');
  for (const g of goals) lines.push(`- ${g.ok ? 'PASS' : 'FAIL'} ${g.goal}: ${g.detail}`);
  lines.push('');
  return lines.join('\n');
}

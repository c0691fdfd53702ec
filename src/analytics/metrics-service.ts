// The metrics query service: permissions, tenant scope, time range and
// limits, the source plan, caching and execution. Routes parse and
// serialize around runMetricsQuery(); the analytics and cost endpoints build
// on the same call (docs/analytics.md, "Service API").
import { authorizeMetricsQuery } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import type { ResultCache } from '../cache/result-cache.js';
import { appError } from '../errors.js';
import { canonicalFilter } from '../query/request.js';
import { resolveTimeBound } from '../query/time.js';
import type { Queryable, QueryOptions } from '../storage/driver.js';
import { TABLE } from '../query/fields.js';
import { compileMetricsQuery, segmentTable } from './compile-metrics.js';
import { histogramKey, mergeHistograms, type HistogramRow } from './histogram-merge.js';
import { MAX_TOTAL_RANGE_MS } from './intervals.js';
import { canonicalMetricsRequest, METRICS_LIMITS, type MetricsRequest } from './metrics-request.js';
import { planMetricsQuery, type Plan, type SourceName } from './planner.js';

export interface MetricsContext {
  /** The database to read (the read replica when there is one). */
  db: Queryable;
  /** Result cache; null or absent runs every query. */
  cache?: Pick<ResultCache, 'wrap'> | null;
  /** Clock for relative bounds (tests pin it). */
  now?: number;
  signal?: AbortSignal;
  requestId?: string;
}

export type MetricsRow = Record<string, string | number | null>;

export interface MetricsResult {
  /** One row per (bucket, group): `timestamp` (with an interval), group keys as written, metric aliases. */
  rows: MetricsRow[];
  /** Rows before `limit` (after having). */
  total: number;
  limit: number;
  source: SourceName;
  /**
   * Each part of the range and the table that answered it; with a guard, the part counts only when
   * spans of the guard's [from, to) are absent (empty: the open bucket at the end of the range) or
   * present (the finer stitching that replaces it).
   */
  segments: {
    source: SourceName;
    table: string;
    from: string;
    to: string;
    guard?: { when: 'empty' | 'present'; from: string; to: string };
    /** A bucket row reaching past the range, counted with the subtracted spans outside the range. */
    clipped?: true;
    /** Spans whose figures are subtracted (the part of a clipped bucket outside the range). */
    subtract?: true;
  }[];
  /** The resolved range. */
  from: string;
  to: string;
}

export interface MetricsAnswer {
  result: MetricsResult;
  cached: boolean;
}

/** Throws unless the principal may run this request; returns its tenant scope. */
export function authorizeMetrics(principal: Principal, req: MetricsRequest): readonly string[] | null {
  return authorizeMetricsQuery(principal, req);
}

/** Resolved [from, to) in epoch ms, checked against the range limits. */
export function resolveRange(req: MetricsRequest, now: number): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(resolveTimeBound(req.from, now));
  const toMs = req.to === null ? now : Date.parse(resolveTimeBound(req.to, now));
  if (!(fromMs < toMs)) throw appError.BAD_REQUEST('from must be before to', { path: 'from' });
  const span = toMs - fromMs;
  const maxRange = req.interval?.maxRangeMs ?? MAX_TOTAL_RANGE_MS;
  if (span > maxRange) {
    throw appError.METRICS_RANGE_TOO_LONG(`A range of ${days(span)} days is too long for interval ${req.interval?.name ?? 'null'} (at most ${days(maxRange)} days)`, { path: 'from', max_range_days: days(maxRange) });
  }
  if (req.interval !== null) {
    const points = Math.ceil(span / req.interval.ms);
    if (points > METRICS_LIMITS.maxPoints) {
      throw appError.METRICS_TOO_MANY_POINTS(`${points} buckets per series exceed the limit of ${METRICS_LIMITS.maxPoints}; use a longer interval or a shorter range`, { path: 'interval', max_points: METRICS_LIMITS.maxPoints });
    }
  }
  return { fromMs, toMs };
}

const days = (ms: number) => Math.round((ms / 86_400_000) * 100) / 100;

/** Runs a metrics query for a principal: the one entry point of the analytics engine. */
export async function runMetricsQuery(principal: Principal, req: MetricsRequest, ctx: MetricsContext): Promise<MetricsAnswer> {
  const scope = authorizeMetrics(principal, req);
  const now = ctx.now ?? Date.now();
  const range = resolveRange(req, now);
  const compute = () => executeMetricsQuery(ctx.db, req, scope, range, ctx);
  if (!ctx.cache) return { result: await compute(), cached: false };
  const { value, cached } = await ctx.cache.wrap(
    principal,
    { kind: 'aggregate', query: [canonicalMetricsRequest(req, canonicalFilter), scope], from: req.from, to: req.to },
    compute,
  );
  return { result: value, cached };
}

interface ResultRow {
  /** The bucket start as ISO text (null without an interval). */
  __ts: string | null;
  __total: number | string;
  __series?: number | string;
  [k: string]: unknown;
}

/**
 * The session settings of a statement of this plan. Rollup statements read a few thousand rows: no
 * parallel workers (QueryOptions.serial). Without a filter their plan does not depend on the values,
 * so it is made once per connection (genericPlan); a filter's values do change it (an `in` list of
 * fifty users, planned generically, sorted 30,000 rows on disk where its own plan hashes them).
 */
export function planSessionMode(plan: Plan, req: Pick<MetricsRequest, 'filter'>): Pick<QueryOptions, 'serial' | 'genericPlan'> {
  return { serial: plan.mode === 'rollup', genericPlan: plan.mode === 'rollup' && req.filter === null };
}

/** Plans, compiles and runs one request (no permission or cache logic). */
export async function executeMetricsQuery(
  db: Queryable,
  req: MetricsRequest,
  scope: readonly string[] | null,
  range: { fromMs: number; toMs: number },
  opts: Pick<MetricsContext, 'signal' | 'requestId'> = {},
): Promise<MetricsResult> {
  const plan = planMetricsQuery(req, range.fromMs, range.toMs);
  const compiled = compileMetricsQuery({ req, plan, scope, ...range });
  const queryOpts = { kind: 'metrics' as const, signal: opts.signal, requestId: opts.requestId, shape: `metrics source=${plan.source}`, ...planSessionMode(plan, req) };
  const hist = compiled.histogram;
  const [res, histRes] = await Promise.all([
    db.query<ResultRow>(compiled.sql, compiled.params, queryOpts),
    hist === undefined ? null : db.query<HistogramRow>(hist.sql, hist.params, { ...queryOpts, shape: `metrics histograms source=${plan.source}` }),
  ]);
  // Rollup-mode percentiles: the histogram rows merged per (bucket, groups) fill the m<i> columns the statement left empty.
  if (hist !== undefined && histRes !== null) {
    const merged = mergeHistograms(histRes.rows, req.groupBy.length, hist.parts);
    for (const r of res.rows) {
      const values = merged.get(histogramKey(r.__ts, req.groupBy.map((_, i) => r[`g${i}`])));
      if (values !== undefined) for (const [i, v] of values) r[`m${i}`] = v;
    }
  }
  const first = res.rows[0];
  if (compiled.countsSeries && first?.__series !== undefined) {
    const series = Number(first.__series);
    if (series > METRICS_LIMITS.maxSeries) {
      throw appError.METRICS_TOO_MANY_SERIES(`${series} series exceed the limit of ${METRICS_LIMITS.maxSeries}; narrow the filter or group by fewer keys`, { path: 'group_by', max_series: METRICS_LIMITS.maxSeries });
    }
    const points = Math.ceil((range.toMs - range.fromMs) / req.interval!.ms);
    if (req.fill !== null && series * points > METRICS_LIMITS.maxFilledPoints) {
      throw appError.METRICS_TOO_MANY_POINTS(`fill would create ${series * points} points, more than ${METRICS_LIMITS.maxFilledPoints}; narrow the range or the groups`, { path: 'fill', max_filled_points: METRICS_LIMITS.maxFilledPoints });
    }
  }
  const rows = res.rows.map((r) => {
    const out: MetricsRow = {};
    if (req.interval !== null) out.timestamp = r.__ts;
    req.groupBy.forEach((g, i) => {
      const v = r[`g${i}`];
      out[g.name] = v === null || v === undefined ? null : String(v);
    });
    req.metrics.forEach((m, i) => {
      const v = r[`m${i}`];
      out[m.alias] = v === null || v === undefined ? null : Number(v);
    });
    return out;
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    rows,
    total: first === undefined ? 0 : Number(first.__total),
    limit: req.limit,
    source: plan.source,
    segments: plan.segments.map((s) => ({
      source: s.source === 'raw' ? 'raw' : (`rollup_${s.source}` as SourceName),
      table: s.source === 'raw' ? TABLE : segmentTable(s, 'tables'),
      from: iso(s.fromMs),
      to: iso(s.toMs),
      ...(s.guard === undefined ? {} : { guard: { when: s.guard.when, from: iso(s.guard.fromMs), to: iso(s.guard.toMs) } }),
      ...(s.clipped ? { clipped: true as const } : {}),
      ...(s.subtract ? { subtract: true as const } : {}),
    })),
    from: iso(range.fromMs),
    to: iso(range.toMs),
  };
}

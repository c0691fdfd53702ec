// What a report service runs with: the database, the tenant scope, the
// resolved range and the report's common filter; and the one way reports
// ask the analytics engine for numbers (runMetricsQuery's building blocks:
// the engine's request parser, range limits, planner and compiler), so every
// figure of every report comes from the same aggregation path as
// POST /api/v1/metrics/query.
import { compileNode, type SqlParams } from '../../query/compile.js';
import type { Queryable } from '../../storage/driver.js';
import { scopeSql } from '../../traces/page-sql.js';
import { executeMetricsQuery, resolveRange, type MetricsRow } from '../metrics-service.js';
import { METRICS_LIMITS, metricsRequestFromBody, type MetricsBody, type MetricsRequest } from '../metrics-request.js';
import type { SourceName } from '../planner.js';
import type { ReportQuery } from './params.js';

export interface ReportContext {
  readonly db: Queryable;
  /** Project ids every query is limited to; null = all (admin). */
  readonly scope: readonly string[] | null;
  readonly query: ReportQuery;
  readonly fromMs: number;
  readonly toMs: number;
  /** The clock relative bounds were resolved with. */
  readonly now: number;
  readonly signal?: AbortSignal;
  readonly requestId?: string;
  /** Every source that answered a part of the report, in order of first use (meta.sources). */
  readonly sources: SourceName[];
}

export interface EngineQuery {
  metrics: NonNullable<MetricsBody['metrics']>;
  interval?: string | null;
  group_by?: string[];
  /** Wire filter AND-ed with the report's filter. */
  filter?: unknown;
  /** Overrides of the report range (e.g. the previous period). */
  fromMs?: number;
  toMs?: number;
  sort_by?: string;
  sort_desc?: boolean;
  limit?: number;
  fill?: 'zero' | 'null';
}

/** The report filter AND-ed with more wire conditions (null parts dropped). */
export function andFilters(...parts: unknown[]): unknown {
  const present = parts.filter((p) => p !== null && p !== undefined);
  if (present.length === 0) return null;
  return present.length === 1 ? present[0] : { operator: 'AND', filters: present };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The engine request of a report query, and its range checked against the engine's limits. */
export function engineRequest(ctx: ReportContext, q: EngineQuery): { req: MetricsRequest; range: { fromMs: number; toMs: number } } {
  const body: MetricsBody = {
    metrics: q.metrics,
    interval: q.interval ?? null,
    from: iso(q.fromMs ?? ctx.fromMs),
    to: iso(q.toMs ?? ctx.toMs),
    group_by: q.group_by ?? [],
    filter: andFilters(ctx.query.wireFilter, q.filter),
    ...(q.sort_by === undefined ? {} : { sort_by: q.sort_by, sort_desc: q.sort_desc ?? true }),
    limit: q.limit ?? METRICS_LIMITS.maxLimit,
    fill: q.fill ?? null,
  };
  const req = metricsRequestFromBody(body);
  return { req, range: resolveRange(req, ctx.now) };
}

/** Runs one metrics query of the engine within the report's scope, range and filter. */
export async function engineRows(ctx: ReportContext, q: EngineQuery): Promise<MetricsRow[]> {
  const { req, range } = engineRequest(ctx, q);
  const result = await executeMetricsQuery(ctx.db, req, ctx.scope, range, { signal: ctx.signal, requestId: ctx.requestId });
  noteSource(ctx, result.source);
  return result.rows;
}

/**
 * Conditions of a report's own query on llm_traces (one the engine cannot
 * express): the tenant scope, [from, to) and the report's filter.
 */
export function rawConditions(ctx: ReportContext, params: SqlParams): string[] {
  const conds: string[] = [];
  if (ctx.scope !== null) conds.push(scopeSql(ctx.scope, params));
  conds.push(`ts >= ${params.append(iso(ctx.fromMs), 'timestamptz')}`);
  conds.push(`ts < ${params.append(iso(ctx.toMs), 'timestamptz')}`);
  if (ctx.query.filter !== null) conds.push(compileNode(ctx.query.filter, params));
  return conds;
}

export function noteSource(ctx: ReportContext, source: SourceName): void {
  if (!ctx.sources.includes(source)) ctx.sources.push(source);
}

/** A number of an engine row (null stays null). */
export function num(row: MetricsRow | undefined, key: string): number | null {
  const v = row?.[key];
  return v === null || v === undefined ? null : Number(v);
}

/** Like num(), with 0 for a missing value (counts and sums over no rows). */
export function num0(row: MetricsRow | undefined, key: string): number {
  return num(row, key) ?? 0;
}

/** a / b, null when b is 0 or either is null. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

/** Relative change from `prev` to `cur` (0.25 = +25 %); null when prev is 0 or unknown. */
export function change(cur: number | null, prev: number | null): number | null {
  return cur === null || prev === null || prev === 0 ? null : (cur - prev) / prev;
}

/** Rounds money and ratios computed in JavaScript to the precision the API promises (1e-9 for money). */
export function round(v: number | null, digits = 10): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  return Number(v.toFixed(digits));
}

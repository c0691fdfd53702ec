// GET /api/v1/metrics/summary: the range (default the last 24 hours) next to
// the period of the same length just before it, with the relative change of
// each figure, the top models by cost, requests, latency and errors, and the
// most common errors of the range.
import type { MetricsRow } from '../metrics-service.js';
import { topErrors, type ErrorGroup } from './error-messages.js';
import { intParam, reportQuery, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import { change, engineRows, num, num0, type ReportContext } from './report-context.js';
import type { ReportOutput } from './report-service.js';

export const SUMMARY_PARAMS: ParamSpec = { top: { kind: 'int' } };

export interface SummaryRequest {
  query: ReportQuery;
  top: number;
}

export function summaryRequest(raw: RawParams): SummaryRequest {
  return { query: reportQuery(raw, 'now-24h'), top: intParam(raw, 'top', 5, 1, 50) };
}

const FIGURES = [
  { metric: 'request_count', alias: 'request_count' },
  { metric: 'error_count', alias: 'error_count' },
  { metric: 'error_rate', alias: 'error_rate' },
  { metric: 'success_rate', alias: 'success_rate' },
  { metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' },
  { metric: 'total_tokens', aggregation: 'sum', alias: 'total_tokens' },
  { metric: 'duration', aggregation: 'avg', alias: 'avg_latency_ms' },
  { metric: 'duration', aggregation: 'p95', alias: 'p95_latency_ms' },
];
const KEYS = ['request_count', 'error_count', 'error_rate', 'success_rate', 'total_cost', 'total_tokens', 'avg_latency_ms', 'p95_latency_ms', 'unique_users'] as const;
type Key = (typeof KEYS)[number];
export type PeriodFigures = Record<Key, number | null>;

export interface TopItem {
  model: string | null;
  value: number;
}

export interface SummaryReport {
  current_period: { from: string; to: string };
  previous_period: { from: string; to: string };
  current: PeriodFigures;
  previous: PeriodFigures;
  /** Relative change per figure (0.25 = +25 %); null when the previous value is 0 or unknown. */
  change: PeriodFigures;
  top_items: { by_cost: TopItem[]; by_requests: TopItem[]; by_latency: TopItem[]; by_errors: TopItem[] };
  top_errors: ErrorGroup[];
}

function figures(r: MetricsRow | undefined, users: MetricsRow | undefined): PeriodFigures {
  const zeroed = new Set<Key>(['request_count', 'error_count', 'total_cost', 'total_tokens', 'unique_users']);
  return Object.fromEntries(KEYS.map((k) => [k, zeroed.has(k) ? num0(k === 'unique_users' ? users : r, k) : num(r, k)])) as PeriodFigures;
}

function top(rows: MetricsRow[], key: string, n: number): TopItem[] {
  return rows
    .filter((r) => num(r, key) !== null && num0(r, key) > 0)
    .sort((a, b) => num0(b, key) - num0(a, key) || String(a.model).localeCompare(String(b.model)))
    .slice(0, n)
    .map((r) => ({ model: r.model === null ? null : String(r.model), value: num0(r, key) }));
}

export async function summaryReport(ctx: ReportContext, req: SummaryRequest): Promise<ReportOutput<SummaryReport>> {
  const len = ctx.toMs - ctx.fromMs;
  const prev = { fromMs: ctx.fromMs - len, toMs: ctx.fromMs };
  // Distinct users are counted exactly on raw rows: a query of their own keeps the rest on the rollups.
  const users = (range?: { fromMs: number; toMs: number }) => engineRows(ctx, { metrics: [{ metric: 'unique_users', alias: 'unique_users' }], ...range });
  const [cur, before, curUsers, prevUsers, byModel, errors] = await Promise.all([
    engineRows(ctx, { metrics: FIGURES }),
    engineRows(ctx, { metrics: FIGURES, ...prev }),
    users(),
    users(prev),
    engineRows(ctx, { metrics: FIGURES, group_by: ['model'] }),
    topErrors(ctx, req.top),
  ]);
  const current = figures(cur[0], curUsers[0]);
  const previous = figures(before[0], prevUsers[0]);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    data: {
      current_period: { from: iso(ctx.fromMs), to: iso(ctx.toMs) },
      previous_period: { from: iso(prev.fromMs), to: iso(prev.toMs) },
      current,
      previous,
      change: Object.fromEntries(KEYS.map((k) => [k, change(current[k], previous[k])])) as PeriodFigures,
      top_items: {
        by_cost: top(byModel, 'total_cost', req.top),
        by_requests: top(byModel, 'request_count', req.top),
        by_latency: top(byModel, 'p95_latency_ms', req.top),
        by_errors: top(byModel, 'error_count', req.top),
      },
      top_errors: errors,
    },
  };
}

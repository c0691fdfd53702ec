// GET /api/v1/costs/summary (and its alias /api/v1/analytics/costs): where
// the money goes. Totals, day-over-day and week-over-week change, shares by
// provider, model, environment and project, daily and weekly trends, and
// the most expensive traces. Money is summed as numeric by the engine; the
// JSON numbers are those exact sums converted once at the edge.
import type { MetricsRow } from '../metrics-service.js';
import { intParam, reportQuery, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import { change, engineRows, num0, ratio, type ReportContext } from './report-context.js';
import type { ReportOutput } from './report-service.js';
import { topTraces, type TraceCost } from './top-traces.js';
import { growthRate } from './trend.js';

export const COST_SUMMARY_PARAMS: ParamSpec = { top: { kind: 'int' } };
export const MAX_TOP_TRACES = 100;

export interface CostSummaryRequest {
  query: ReportQuery;
  /** Most expensive traces listed (0: skip that raw-row query). */
  top: number;
}

export function costSummaryRequest(raw: RawParams): CostSummaryRequest {
  return { query: reportQuery(raw, 'now-30d'), top: intParam(raw, 'top', 10, 0, MAX_TOP_TRACES) };
}

/** Money and volume metrics every cost figure is made of. */
export const COST_METRICS = [
  { metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' },
  { metric: 'prompt_cost', aggregation: 'sum', alias: 'prompt_cost' },
  { metric: 'completion_cost', aggregation: 'sum', alias: 'completion_cost' },
  { metric: 'request_count', alias: 'request_count' },
  { metric: 'total_tokens', aggregation: 'sum', alias: 'total_tokens' },
];

export interface CostFigures {
  total_cost: number;
  prompt_cost: number;
  completion_cost: number;
  request_count: number;
  total_tokens: number;
  avg_cost_per_request: number | null;
  cost_per_1k_tokens: number | null;
}

export function costFigures(r: MetricsRow | undefined): CostFigures {
  const cost = num0(r, 'total_cost');
  const requests = num0(r, 'request_count');
  const tokens = num0(r, 'total_tokens');
  return {
    total_cost: cost,
    prompt_cost: num0(r, 'prompt_cost'),
    completion_cost: num0(r, 'completion_cost'),
    request_count: requests,
    total_tokens: tokens,
    avg_cost_per_request: ratio(cost, requests),
    cost_per_1k_tokens: ratio(cost * 1000, tokens),
  };
}

export type Breakdown = (CostFigures & { value: string | null; share: number | null })[];

export interface TrendPoint {
  timestamp: string;
  total_cost: number;
  request_count: number;
  /** Relative to the point before (null for the first and after a zero). */
  change: number | null;
}

export interface Trend {
  points: TrendPoint[];
  /** Least-squares slope per step over the mean (docs/analytics-endpoints.md). */
  growth_rate: number | null;
}

export interface CostSummary {
  overview: CostFigures & { day_over_day_change: number | null; week_over_week_change: number | null };
  by_provider: Breakdown;
  by_model: Breakdown;
  by_environment: Breakdown;
  by_project: Breakdown;
  daily_trend: Trend;
  weekly_trend: Trend;
  top_traces: TraceCost[];
}

const DAY = 86_400_000;

function trend(rows: MetricsRow[]): Trend {
  const points = rows.map((r, i): TrendPoint => ({
    timestamp: String(r.timestamp),
    total_cost: num0(r, 'total_cost'),
    request_count: num0(r, 'request_count'),
    change: i === 0 ? null : change(num0(r, 'total_cost'), num0(rows[i - 1], 'total_cost')),
  }));
  return { points, growth_rate: growthRate(points.map((p) => p.total_cost)) };
}

/** Cost figures per value of a dimension, most expensive first; `share` of `total` (the range's total cost). */
function breakdown(rows: MetricsRow[], dimension: string, total: number): Breakdown {
  return rows.map((r) => ({ value: r[dimension] === null ? null : String(r[dimension]), ...costFigures(r), share: ratio(num0(r, 'total_cost'), total) }));
}

export async function costSummaryReport(ctx: ReportContext, req: CostSummaryRequest): Promise<ReportOutput<CostSummary>> {
  const windowCost = (fromMs: number, toMs: number) =>
    engineRows(ctx, { metrics: [{ metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' }], fromMs, toMs }).then((r) => num0(r[0], 'total_cost'));
  const end = ctx.toMs;
  const byDimension = (dimension: string) => engineRows(ctx, { metrics: COST_METRICS, group_by: [dimension], sort_by: 'total_cost' });
  // Every statement is awaited here and only here: a promise derived from one of them and awaited
  // later would be an unhandled rejection when a sibling fails first (a client that goes away).
  const [totals, day, prevDay, week, prevWeek, daily, weekly, top, byProvider, byModel, byEnvironment, byProject] = await Promise.all([
    engineRows(ctx, { metrics: COST_METRICS }),
    windowCost(end - DAY, end),
    windowCost(end - 2 * DAY, end - DAY),
    windowCost(end - 7 * DAY, end),
    windowCost(end - 14 * DAY, end - 7 * DAY),
    engineRows(ctx, { metrics: COST_METRICS, interval: '1d', fill: 'zero' }),
    engineRows(ctx, { metrics: COST_METRICS, interval: '1w', fill: 'zero' }),
    topTraces(ctx, req.top),
    byDimension('provider'),
    byDimension('model'),
    byDimension('environment'),
    byDimension('project_id'),
  ]);
  const total = num0(totals[0], 'total_cost');
  return {
    data: {
      overview: { ...costFigures(totals[0]), day_over_day_change: change(day, prevDay), week_over_week_change: change(week, prevWeek) },
      by_provider: breakdown(byProvider, 'provider', total),
      by_model: breakdown(byModel, 'model', total),
      by_environment: breakdown(byEnvironment, 'environment', total),
      by_project: breakdown(byProject, 'project_id', total),
      daily_trend: trend(daily),
      weekly_trend: trend(weekly),
      top_traces: top,
    },
  };
}

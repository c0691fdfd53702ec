// GET /api/v1/costs/forecast: the daily cost history of the range (whole UTC
// days only: a partial first or last day would read as a dip) and the next
// `days` days forecast by forecast-model.ts, with 95 % intervals, projected
// totals for 7, 30 and 90 days, and the backtest error on the last 14 days.
import { fitBest, backtest, type Backtest, type ModelName } from './forecast-model.js';
import { intParam, reportQuery, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import { engineRows, num0, round, type ReportContext } from './report-context.js';
import type { ReportOutput } from './report-service.js';

export const FORECAST_PARAMS: ParamSpec = { days: { kind: 'int' } };
export const MAX_FORECAST_DAYS = 365;
const DAY = 86_400_000;
const TOTAL_HORIZONS = [7, 30, 90] as const;

export interface ForecastRequest {
  query: ReportQuery;
  days: number;
}

export function forecastRequest(raw: RawParams): ForecastRequest {
  return { query: reportQuery(raw, 'now-30d'), days: intParam(raw, 'days', 30, 1, MAX_FORECAST_DAYS) };
}

export interface ForecastReport {
  model: ModelName;
  parameters: { alpha: number | null; beta: number | null; gamma: number | null; season_length_days: number };
  confidence_level: number;
  history: { date: string; total_cost: number }[];
  forecast: { date: string; total_cost: number; lower: number; upper: number }[];
  projected_totals: { next_7_days: number; next_30_days: number; next_90_days: number };
  backtest: Backtest | null;
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function forecastReport(ctx: ReportContext, req: ForecastRequest): Promise<ReportOutput<ForecastReport>> {
  const firstDay = Math.ceil(ctx.fromMs / DAY) * DAY;
  const endDay = Math.floor(ctx.toMs / DAY) * DAY;
  const rows =
    endDay > firstDay
      ? await engineRows(ctx, {
          metrics: [{ metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' }],
          interval: '1d',
          fromMs: firstDay,
          toMs: endDay,
          fill: 'zero',
        })
      : [];
  const history = rows.map((r) => ({ date: String(r.timestamp).slice(0, 10), total_cost: num0(r, 'total_cost') }));
  const ys = history.map((h) => h.total_cost);
  const model = fitBest(ys);
  const horizon = Math.max(req.days, ...TOTAL_HORIZONS);
  const points = ys.length === 0 ? [] : model.forecast(horizon);
  const start = history.length === 0 ? endDay : Date.parse(history[history.length - 1]!.date) + DAY;
  const sum = (h: number) => round(points.slice(0, h).reduce((s, p) => s + p.value, 0), 9) ?? 0;
  return {
    data: {
      model: model.model,
      parameters: { alpha: model.alpha, beta: model.beta, gamma: model.gamma, season_length_days: 7 },
      confidence_level: 0.95,
      history,
      forecast: points.slice(0, req.days).map((p, i) => ({
        date: isoDate(start + i * DAY),
        total_cost: round(p.value, 9)!,
        lower: round(p.lower, 9)!,
        upper: round(p.upper, 9)!,
      })),
      projected_totals: { next_7_days: sum(7), next_30_days: sum(30), next_90_days: sum(90) },
      backtest: backtest(ys),
    },
  };
}

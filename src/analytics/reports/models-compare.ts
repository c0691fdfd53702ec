// GET /api/v1/analytics/models/compare?models=a,b: the same figures for 2 to
// 10 models side by side, and which one is fastest, cheapest and most
// reliable, with the figure behind each pick. One engine query grouped by
// model; averages are sums over counts.
import { appError } from '../../errors.js';
import type { MetricsRow } from '../metrics-service.js';
import { listParam, reportQuery, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import { engineRows, num, num0, ratio, type ReportContext } from './report-context.js';
import type { ReportOutput } from './report-service.js';

export const COMPARE_PARAMS: ParamSpec = { models: { kind: 'list' } };
export const COMPARE_MODELS = { min: 2, max: 10 } as const;

export interface CompareRequest {
  query: ReportQuery;
  models: string[];
}

export function compareRequest(raw: RawParams): CompareRequest {
  const models = listParam(raw, 'models') ?? [];
  if (models.length < COMPARE_MODELS.min || models.length > COMPARE_MODELS.max) {
    throw appError.COMPARE_MODEL_COUNT(`models must name ${COMPARE_MODELS.min} to ${COMPARE_MODELS.max} distinct models, comma-separated (got ${models.length})`, { path: 'models', min: COMPARE_MODELS.min, max: COMPARE_MODELS.max });
  }
  return { query: reportQuery(raw, 'now-7d'), models };
}

export interface ModelFigures {
  model: string;
  request_count: number;
  success_rate: number | null;
  error_rate: number | null;
  avg_latency_ms: number | null;
  p95_latency_ms: number | null;
  total_cost: number;
  avg_cost_per_request: number | null;
  cost_per_1k_tokens: number | null;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  throughput_rps: number;
  tokens_per_second: number | null;
}

export interface Pick {
  model: string;
  metric: string;
  value: number;
}

export interface CompareReport {
  models: ModelFigures[];
  summary: { fastest: Pick | null; cheapest: Pick | null; most_reliable: Pick | null };
}

function figures(model: string, r: MetricsRow | undefined): ModelFigures {
  const requests = num0(r, 'request_count');
  const cost = num0(r, 'total_cost');
  const tokens = num0(r, 'total_tokens');
  return {
    model,
    request_count: requests,
    success_rate: num(r, 'success_rate'),
    error_rate: num(r, 'error_rate'),
    avg_latency_ms: num(r, 'avg_latency_ms'),
    p95_latency_ms: num(r, 'p95_latency_ms'),
    total_cost: cost,
    avg_cost_per_request: ratio(cost, requests),
    cost_per_1k_tokens: ratio(cost * 1000, tokens),
    total_tokens: tokens,
    prompt_tokens: num0(r, 'prompt_tokens'),
    completion_tokens: num0(r, 'completion_tokens'),
    throughput_rps: num0(r, 'throughput_rps'),
    tokens_per_second: requests === 0 ? null : ratio(num0(r, 'completion_tokens') * 1000, num(r, 'duration_sum')),
  };
}

/** The model with the best value of `key` (lowest or highest); ties go to the busier model, then the name. */
function best(models: ModelFigures[], key: keyof ModelFigures, lowest: boolean): Pick | null {
  let winner: ModelFigures | null = null;
  for (const m of models) {
    const v = m[key] as number | null;
    if (m.request_count === 0 || v === null) continue;
    const w = winner?.[key] as number | undefined;
    if (winner === null || (lowest ? v < w! : v > w!) || (v === w && (m.request_count > winner.request_count || (m.request_count === winner.request_count && m.model < winner.model)))) {
      winner = m;
    }
  }
  return winner === null ? null : { model: winner.model, metric: key, value: winner[key] as number };
}

export async function compareReport(ctx: ReportContext, req: CompareRequest): Promise<ReportOutput<CompareReport>> {
  const rows = await engineRows(ctx, {
    metrics: [
      { metric: 'request_count', alias: 'request_count' },
      { metric: 'success_rate', alias: 'success_rate' },
      { metric: 'error_rate', alias: 'error_rate' },
      { metric: 'duration', aggregation: 'avg', alias: 'avg_latency_ms' },
      { metric: 'duration', aggregation: 'p95', alias: 'p95_latency_ms' },
      { metric: 'duration', aggregation: 'sum', alias: 'duration_sum' },
      { metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' },
      { metric: 'total_tokens', aggregation: 'sum', alias: 'total_tokens' },
      { metric: 'prompt_tokens', aggregation: 'sum', alias: 'prompt_tokens' },
      { metric: 'completion_tokens', aggregation: 'sum', alias: 'completion_tokens' },
      { metric: 'throughput', alias: 'throughput_rps' },
    ],
    group_by: ['model'],
    filter: { field: 'model', operator: 'in', value: req.models },
  });
  const byModel = new Map(rows.map((r) => [String(r.model), r]));
  // In the order asked for; a model without spans in range is listed with zeros and never picked.
  const models = req.models.map((m) => figures(m, byModel.get(m)));
  return {
    data: {
      models,
      summary: {
        fastest: best(models, 'p95_latency_ms', true),
        cheapest: best(models, 'avg_cost_per_request', true),
        most_reliable: best(models, 'success_rate', false),
      },
    },
  };
}

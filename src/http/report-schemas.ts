// Response schemas of the analytics and cost reports: the OpenAPI document
// shows them, and Fastify serializes every answer through them (only
// declared fields leave). Shapes: docs/analytics-endpoints.md.
import { envelopeSchema, metaSchema, paginationSchema } from './envelope.js';

const num = { type: 'number' } as const;
const nnum = { type: ['number', 'null'] } as const;
const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const obj = (properties: Record<string, unknown>, required?: string[]) => ({ type: 'object', properties, ...(required ? { required } : {}) });
const arr = (items: unknown) => ({ type: 'array', items });
const props = (keys: readonly string[], schema: unknown) => Object.fromEntries(keys.map((k) => [k, schema]));

const reportMeta = obj({
  ...metaSchema.properties,
  source: { type: 'string', description: 'Table that answered the main figures: rollup_1w (per-user figures), rollup_1d, rollup_1h, rollup_1m or raw' },
  sources: arr(str),
  from: str,
  to: str,
});

/** The envelope of a report whose data has schema `data`. */
export function reportEnvelope(data: object, paginated = false): object {
  return envelopeSchema(data, { meta: reportMeta, ...(paginated ? { pagination: paginationSchema } : {}) });
}

const perfFigures = {
  request_count: int,
  ...props(['avg_latency_ms', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms', 'avg_ttft_ms', 'p50_ttft_ms', 'p95_ttft_ms', 'p99_ttft_ms'], nnum),
  throughput_rps: { type: 'number', description: 'Requests per second over the range (or bucket)' },
  tokens_per_second: { type: ['number', 'null'], description: 'Completion tokens per second of span time' },
};

export const performanceData = obj({
  ...perfFigures,
  min_latency_ms: nnum,
  max_latency_ms: nnum,
  granularity: str,
  time_series: arr(obj({ timestamp: str, ...perfFigures })),
});

const errorGroup = obj({ message: nstr, sample_message: nstr, count: int, share: num, affected_users: int, last_seen: str });

export const qualityData = obj({
  request_count: int,
  success_count: int,
  error_count: int,
  unset_count: int,
  success_rate: nnum,
  error_rate: nnum,
  granularity: str,
  by_status: arr(obj({ status_code: str, count: int, share: num })),
  top_errors: arr(errorGroup),
  time_series: arr(obj({ timestamp: str, request_count: int, success_count: int, error_count: int, success_rate: nnum, error_rate: nnum })),
});

const pick = { anyOf: [{ type: 'null' }, obj({ model: str, metric: str, value: num })] };
export const compareData = obj({
  models: arr(
    obj({
      model: str,
      request_count: int,
      success_rate: nnum,
      error_rate: nnum,
      avg_latency_ms: nnum,
      p95_latency_ms: nnum,
      total_cost: num,
      avg_cost_per_request: nnum,
      cost_per_1k_tokens: nnum,
      total_tokens: int,
      prompt_tokens: int,
      completion_tokens: int,
      throughput_rps: num,
      tokens_per_second: nnum,
    }),
  ),
  summary: obj({ fastest: pick, cheapest: pick, most_reliable: pick }),
});

export const optimizationData = obj({
  score: { type: 'integer', description: '0..100; formula in docs/analytics-endpoints.md' },
  score_components: obj(props(['cost', 'errors', 'latency', 'tokens'], num)),
  projected_monthly_cost: num,
  items: arr(
    obj({
      type: { type: 'string', enum: ['model_switch', 'high_error_rate', 'high_latency', 'token_growth'] },
      priority: { type: 'string', enum: ['high', 'medium', 'low'] },
      title: str,
      impact: obj(props(['estimated_monthly_saving_usd', 'affected_requests_per_month', 'extra_tokens_per_month'], nnum)),
      evidence: { type: 'object', additionalProperties: { type: ['string', 'number', 'null'] } },
    }),
  ),
});

const costFigures = {
  total_cost: num,
  prompt_cost: num,
  completion_cost: num,
  request_count: int,
  total_tokens: int,
  avg_cost_per_request: nnum,
  cost_per_1k_tokens: nnum,
};
const breakdown = arr(obj({ value: nstr, ...costFigures, share: nnum }));
const trend = obj({ points: arr(obj({ timestamp: str, total_cost: num, request_count: int, change: nnum })), growth_rate: nnum });

export const costSummaryData = obj({
  overview: obj({ ...costFigures, day_over_day_change: nnum, week_over_week_change: nnum }),
  by_provider: breakdown,
  by_model: breakdown,
  by_environment: breakdown,
  by_project: breakdown,
  daily_trend: trend,
  weekly_trend: trend,
  top_traces: arr(
    obj({ trace_id: str, project_id: str, total_cost: num, span_count: int, total_tokens: int, started_at: str, first_span_name: str, user_id: nstr }),
  ),
});

const split = arr(obj({ value: nstr, total_cost: num, request_count: int, share: nnum }));
export const attributionData = obj({
  dimension: str,
  total_cost: num,
  items: arr(obj({ value: nstr, ...costFigures, share: nnum, by_provider: split, by_model: split })),
});

export const forecastData = obj({
  model: { type: 'string', enum: ['holt_winters_additive', 'linear_trend', 'constant'] },
  parameters: obj({ alpha: nnum, beta: nnum, gamma: nnum, season_length_days: int }),
  confidence_level: num,
  history: arr(obj({ date: str, total_cost: num })),
  forecast: arr(obj({ date: str, total_cost: num, lower: num, upper: num })),
  projected_totals: obj(props(['next_7_days', 'next_30_days', 'next_90_days'], num)),
  backtest: {
    anyOf: [
      { type: 'null' },
      obj({ horizon_days: int, mape: nnum, baseline_mape: nnum, model: { type: 'string', enum: ['holt_winters_additive', 'linear_trend', 'constant'] } }),
    ],
  },
});

const periodKeys = ['request_count', 'error_count', 'error_rate', 'success_rate', 'total_cost', 'total_tokens', 'avg_latency_ms', 'p95_latency_ms', 'unique_users'];
const period = obj(props(periodKeys, nnum));
const topItems = arr(obj({ model: nstr, value: num }));
export const summaryData = obj({
  current_period: obj({ from: str, to: str }),
  previous_period: obj({ from: str, to: str }),
  current: period,
  previous: period,
  change: period,
  top_items: obj({ by_cost: topItems, by_requests: topItems, by_latency: topItems, by_errors: topItems }),
  top_errors: arr(errorGroup),
});

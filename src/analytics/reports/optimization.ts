// GET /api/v1/analytics/optimization: the figures advice-scoring.ts reads,
// each one engine query (all rollup dimensions, so they read the rollups):
// cost and success per span name and model, errors and p95 per model and
// provider, prompt tokens per span name in each half of the range.
import { deriveAdvice, type AdviceResult } from './advice-scoring.js';
import { reportQuery, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import { engineRows, num, num0, type ReportContext } from './report-context.js';
import type { ReportOutput } from './report-service.js';

export const OPTIMIZATION_PARAMS: ParamSpec = {};

export interface OptimizationRequest {
  query: ReportQuery;
}

export function optimizationRequest(raw: RawParams): OptimizationRequest {
  return { query: reportQuery(raw, 'now-7d') };
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

export async function optimizationReport(ctx: ReportContext): Promise<ReportOutput<AdviceResult>> {
  const mid = Math.floor((ctx.fromMs + ctx.toMs) / 2);
  const tokenHalf = (fromMs: number, toMs: number) =>
    engineRows(ctx, {
      metrics: [
        { metric: 'request_count', alias: 'request_count' },
        { metric: 'prompt_tokens', aggregation: 'avg', alias: 'avg_prompt_tokens' },
      ],
      group_by: ['span_name'],
      fromMs,
      toMs,
    });
  const [overall, spanModels, pairs, first, second] = await Promise.all([
    engineRows(ctx, {
      metrics: [
        { metric: 'request_count', alias: 'request_count' },
        { metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' },
        { metric: 'error_rate', alias: 'error_rate' },
        { metric: 'duration', aggregation: 'p95', alias: 'p95_latency_ms' },
      ],
    }),
    engineRows(ctx, {
      metrics: [
        { metric: 'request_count', alias: 'request_count' },
        { metric: 'success_rate', alias: 'success_rate' },
        { metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' },
      ],
      group_by: ['span_name', 'model', 'provider'],
    }),
    engineRows(ctx, {
      metrics: [
        { metric: 'request_count', alias: 'request_count' },
        { metric: 'error_rate', alias: 'error_rate' },
        { metric: 'duration', aggregation: 'p95', alias: 'p95_latency_ms' },
      ],
      group_by: ['model', 'provider'],
    }),
    tokenHalf(ctx.fromMs, mid),
    tokenHalf(mid, ctx.toMs),
  ]);
  const o = overall[0];
  const secondBy = new Map(second.map((r) => [String(r.span_name), r]));
  const advice = deriveAdvice(
    {
      request_count: num0(o, 'request_count'),
      total_cost: num0(o, 'total_cost'),
      error_rate: num(o, 'error_rate'),
      p95_latency_ms: num(o, 'p95_latency_ms'),
      range_days: (ctx.toMs - ctx.fromMs) / 86_400_000,
    },
    spanModels.map((r) => ({
      span_name: String(r.span_name),
      model: str(r.model),
      provider: str(r.provider),
      request_count: num0(r, 'request_count'),
      success_rate: num(r, 'success_rate'),
      total_cost: num0(r, 'total_cost'),
    })),
    pairs.map((r) => ({ model: str(r.model), provider: str(r.provider), request_count: num0(r, 'request_count'), error_rate: num(r, 'error_rate'), p95_latency_ms: num(r, 'p95_latency_ms') })),
    first.map((r) => {
      const s = secondBy.get(String(r.span_name));
      return {
        span_name: String(r.span_name),
        first: { request_count: num0(r, 'request_count'), avg_prompt_tokens: num(r, 'avg_prompt_tokens') },
        second: { request_count: num0(s, 'request_count'), avg_prompt_tokens: num(s, 'avg_prompt_tokens') },
      };
    }),
  );
  return { data: advice };
}

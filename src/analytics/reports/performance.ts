// GET /api/v1/analytics/performance: latency, time to first token,
// throughput and generation speed over the range, and the same per bucket.
// Every figure is one metrics-engine query: averages are sum/count over all
// spans (never a mean of bucket means), percentiles come from the engine
// (exact on raw rows, within 1 % from the rollup histograms).
import type { MetricsRow } from '../metrics-service.js';
import { granularityParam, resolveGranularity } from './granularity.js';
import { reportQuery, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import { engineRows, num, num0, ratio, type ReportContext } from './report-context.js';
import type { ReportOutput } from './report-service.js';

export const PERFORMANCE_PARAMS: ParamSpec = { granularity: { kind: 'text', maxLength: 16 } };

export interface PerformanceRequest {
  query: ReportQuery;
  granularity: string;
}

export function performanceRequest(raw: RawParams): PerformanceRequest {
  return { query: reportQuery(raw, 'now-7d'), granularity: granularityParam(raw) };
}

const LATENCY = [
  { metric: 'request_count', alias: 'request_count' },
  { metric: 'duration', aggregation: 'avg', alias: 'avg_latency_ms' },
  { metric: 'duration', aggregation: 'p50', alias: 'p50_latency_ms' },
  { metric: 'duration', aggregation: 'p95', alias: 'p95_latency_ms' },
  { metric: 'duration', aggregation: 'p99', alias: 'p99_latency_ms' },
  { metric: 'ttft', aggregation: 'avg', alias: 'avg_ttft_ms' },
  { metric: 'ttft', aggregation: 'p50', alias: 'p50_ttft_ms' },
  { metric: 'ttft', aggregation: 'p95', alias: 'p95_ttft_ms' },
  { metric: 'ttft', aggregation: 'p99', alias: 'p99_ttft_ms' },
  { metric: 'throughput', alias: 'throughput_rps' },
  { metric: 'completion_tokens', aggregation: 'sum', alias: 'completion_tokens' },
  { metric: 'duration', aggregation: 'sum', alias: 'duration_sum' },
];

export interface PerformanceFigures {
  request_count: number;
  avg_latency_ms: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  p99_latency_ms: number | null;
  avg_ttft_ms: number | null;
  p50_ttft_ms: number | null;
  p95_ttft_ms: number | null;
  p99_ttft_ms: number | null;
  throughput_rps: number;
  tokens_per_second: number | null;
}

function figures(r: MetricsRow | undefined): PerformanceFigures {
  const durationSum = num(r, 'duration_sum');
  return {
    request_count: num0(r, 'request_count'),
    avg_latency_ms: num(r, 'avg_latency_ms'),
    p50_latency_ms: num(r, 'p50_latency_ms'),
    p95_latency_ms: num(r, 'p95_latency_ms'),
    p99_latency_ms: num(r, 'p99_latency_ms'),
    avg_ttft_ms: num(r, 'avg_ttft_ms'),
    p50_ttft_ms: num(r, 'p50_ttft_ms'),
    p95_ttft_ms: num(r, 'p95_ttft_ms'),
    p99_ttft_ms: num(r, 'p99_ttft_ms'),
    throughput_rps: num0(r, 'throughput_rps'),
    // Completion tokens per second of span time: sum(completion_tokens) / sum(duration).
    tokens_per_second: num0(r, 'request_count') === 0 ? null : ratio(num0(r, 'completion_tokens') * 1000, durationSum),
  };
}

export interface PerformanceReport extends PerformanceFigures {
  min_latency_ms: number | null;
  max_latency_ms: number | null;
  granularity: string;
  time_series: (PerformanceFigures & { timestamp: string })[];
}

export async function performanceReport(ctx: ReportContext, req: PerformanceRequest): Promise<ReportOutput<PerformanceReport>> {
  const granularity = resolveGranularity(req.granularity, ctx.fromMs, ctx.toMs);
  const [totals, series] = await Promise.all([
    engineRows(ctx, {
      metrics: [
        ...LATENCY,
        { metric: 'duration', aggregation: 'min', alias: 'min_latency_ms' },
        { metric: 'duration', aggregation: 'max', alias: 'max_latency_ms' },
      ],
    }),
    engineRows(ctx, { metrics: LATENCY, interval: granularity, fill: 'null' }),
  ]);
  const t = totals[0];
  return {
    data: {
      ...figures(t),
      min_latency_ms: num(t, 'min_latency_ms'),
      max_latency_ms: num(t, 'max_latency_ms'),
      granularity,
      time_series: series.map((r) => ({ timestamp: String(r.timestamp), ...figures(r) })),
    },
  };
}

// The metrics queries of the analytics suite (benches/analytics.ts, benches/analytics-explain.ts).
import type { MetricsBody } from '../../src/analytics/metrics-request.js';

export interface AnalyticsCase {
  name: string;
  target: 'rollup' | 'raw';
  body: MetricsBody;
}

export const ANALYTICS_CASES: AnalyticsCase[] = [
  {
    name: 'cost + requests per model per hour, 30 days',
    target: 'rollup',
    body: { limit: 10_000, from: 'now-30d', interval: '1h', group_by: ['model'], metrics: [{ metric: 'total_cost', aggregation: 'sum', alias: 'cost' }, { metric: 'request_count', alias: 'requests' }] },
  },
  {
    name: 'p95 latency per provider per day, 90 days',
    target: 'rollup',
    body: { limit: 10_000, from: 'now-90d', interval: '1d', group_by: ['provider'], metrics: [{ metric: 'duration', aggregation: 'p95', alias: 'p95_ms' }] },
  },
  {
    name: 'error rate per environment per 5 min, 24 h',
    target: 'rollup',
    body: { limit: 10_000, from: 'now-24h', interval: '5m', group_by: ['environment'], metrics: [{ metric: 'error_rate', alias: 'error_rate' }] },
  },
  {
    name: 'summary, 7 days',
    target: 'rollup',
    body: {
      from: 'now-7d',
      metrics: [
        { metric: 'request_count', alias: 'requests' },
        { metric: 'error_rate', alias: 'error_rate' },
        { metric: 'total_cost', alias: 'cost' },
        { metric: 'total_tokens', alias: 'tokens' },
        { metric: 'duration', aggregation: 'avg', alias: 'avg_ms' },
        { metric: 'duration', aggregation: 'p95', alias: 'p95_ms' },
        { metric: 'ttft', aggregation: 'p50', alias: 'ttft_p50' },
      ],
    },
  },
  {
    name: 'full-text filter + group by model, 7 days (raw path)',
    target: 'raw',
    body: {
      from: 'now-7d',
      group_by: ['model'],
      filter: { field: 'content', operator: 'search', value: 'timeout' },
      metrics: [{ metric: 'request_count', alias: 'requests' }, { metric: 'total_cost', alias: 'cost' }, { metric: 'duration', aggregation: 'avg', alias: 'avg_ms' }],
    },
  },
];


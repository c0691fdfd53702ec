// The latency table of the performance target (PostgreSQL, 1M+ spans, no
// cache): P50 range, and the P95 / P99 bounds a run passes or fails against.
import type { QueryType } from '../../src/perf/query-shapes.js';

export interface Target {
  label: string;
  p50: [number, number];
  p95: number;
  p99: number;
  /** Production-box throughput; on a small box compare the ratio to the floor instead. */
  rps: number;
}

export const TARGETS: Record<QueryType, Target> = {
  simple: { label: 'Simple equality filters', p50: [10, 20], p95: 50, p99: 100, rps: 5000 },
  comparison: { label: 'Comparison operators', p50: [15, 30], p95: 80, p99: 150, rps: 3000 },
  in: { label: 'IN operator (3-5 values)', p50: [15, 30], p95: 80, p99: 150, rps: 3000 },
  string: { label: 'String operators', p50: [20, 40], p95: 100, p99: 200, rps: 2000 },
  search: { label: 'Full-text search', p50: [20, 50], p95: 100, p99: 200, rps: 1500 },
  nested: { label: 'Complex nested (3-5 levels)', p50: [30, 80], p95: 150, p99: 300, rps: 1000 },
  combined: { label: 'Combined search + filters', p50: [40, 100], p95: 200, p99: 400, rps: 800 },
  large: { label: 'Large result sets (1000 rows)', p50: [50, 150], p95: 400, p99: 800, rps: 500 },
};

/** Every endpoint, whatever the query. */
export const ENDPOINT_BOUNDS = { p95: 500, p99: 1000 };
/** The warm cache must serve at least this multiple of the cold throughput of the same query. */
export const WARM_CACHE_MIN_RATIO = 2;

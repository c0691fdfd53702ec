// One Prometheus registry for the whole process: prom-client's default
// `register`, so any module (cache, ingest, ...) can add its own metrics
// without a shared list. Metrics are created once per process, never per
// buildApp(): tests build many apps in one process, and prom-client throws
// when a name is registered twice.
import { Counter, Gauge, Histogram, collectDefaultMetrics, register, type Metric } from 'prom-client';

export { register };

/**
 * Latency buckets in seconds, 5 ms to 5 s. Dense around 100-500 ms so that
 * P50/P95/P99 of the latency targets (and the 500 ms alert) fall between
 * close boundaries instead of being smeared across one wide bucket.
 */
export const LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8, 1, 2, 5];

function existing<M extends Metric>(name: string): M | undefined {
  return register.getSingleMetric(name) as M | undefined;
}

export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return existing<Counter<L>>(name) ?? new Counter<L>({ name, help, labelNames });
}

/** aggregator: how the workers of `serve --workers N` combine their values (default sum). */
export function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  aggregator: 'sum' | 'min' | 'max' | 'average' = 'sum',
): Gauge<L> {
  return existing<Gauge<L>>(name) ?? new Gauge<L>({ name, help, labelNames, aggregator });
}

export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Histogram<L> {
  return existing<Histogram<L>>(name) ?? new Histogram<L>({ name, help, labelNames, buckets: [...LATENCY_BUCKETS] });
}

// Process defaults (CPU, memory, event loop lag, GC, handles), once per process.
if (!existing('process_cpu_user_seconds_total')) collectDefaultMetrics({ register });

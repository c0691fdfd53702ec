// GET /metrics under --workers: whichever worker a scrape lands on answers
// for all of them. Without this, consecutive scrapes would hit different
// workers and Prometheus would see counters jump up and down (read as
// resets). The worker asks the primary, the primary asks every worker to
// refresh its scrape-time gauges and send its registry, and sums them with
// prom-client's AggregatorRegistry (counters and histograms add up; each
// gauge declares its own aggregator, e.g. min for tracelens_up).
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { register } from '../metrics/registry.js';

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

type Message =
  | { type: 'tracelens:metrics-ask'; id: number }
  | { type: 'tracelens:metrics-collect'; id: number }
  | { type: 'tracelens:metrics-local'; id: number; metrics: Metrics }
  | { type: 'tracelens:metrics-answer'; id: number; text: string };

/** Bound of one gather: a worker that does not answer in time is left out of that scrape. */
const GATHER_TIMEOUT_MS = 2000;

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('tracelens:metrics-');
}

/** Primary side: answers workers' requests for the whole cluster's metrics. */
export function serveMetricsRequests(): void {
  let nextId = 0;
  const gathers = new Map<number, (metrics: Metrics) => void>();
  cluster.on('message', (worker: Worker, msg: unknown) => {
    if (!isMessage(msg)) return;
    if (msg.type === 'tracelens:metrics-local') {
      gathers.get(msg.id)?.(msg.metrics);
      return;
    }
    if (msg.type !== 'tracelens:metrics-ask') return;
    const id = nextId++;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    const parts: Metrics[] = [];
    const answer = () => {
      gathers.delete(id);
      clearTimeout(timer);
      void AggregatorRegistry.aggregate(parts)
        .metrics()
        .then((text) => worker.isConnected() && worker.send({ type: 'tracelens:metrics-answer', id: msg.id, text }));
    };
    const timer = setTimeout(answer, GATHER_TIMEOUT_MS);
    gathers.set(id, (metrics) => {
      parts.push(metrics);
      if (parts.length === workers.length) answer();
    });
    for (const w of workers) w.send({ type: 'tracelens:metrics-collect', id });
  });
}

/** Worker side: sends this worker's metrics when the primary gathers, after refreshing its scrape-time gauges. */
export function answerMetricsCollects(refresh: () => Promise<void>): void {
  if (!cluster.isWorker) return;
  process.on('message', (msg: unknown) => {
    if (!isMessage(msg) || msg.type !== 'tracelens:metrics-collect') return;
    void refresh()
      .catch(() => {})
      .then(() => register.getMetricsAsJSON())
      .then((metrics) => process.send?.({ type: 'tracelens:metrics-local', id: msg.id, metrics }));
  });
}

let nextAsk = 0;

/** The whole cluster's metrics in text format; null when not a worker or the primary did not answer in time. */
export function clusterMetricsText(): Promise<string | null> {
  // Only under our own supervisor: another cluster manager (PM2) would never answer.
  if (!cluster.isWorker || !process.send || process.env.TRACELENS_WORKER === undefined) return Promise.resolve(null);
  const id = nextAsk++;
  return new Promise((resolve) => {
    const onMessage = (msg: unknown) => {
      if (!isMessage(msg) || msg.type !== 'tracelens:metrics-answer' || msg.id !== id) return;
      done(msg.text);
    };
    const done = (text: string | null) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(text);
    };
    const timer = setTimeout(() => done(null), GATHER_TIMEOUT_MS + 1000);
    process.on('message', onMessage);
    process.send!({ type: 'tracelens:metrics-ask', id });
  });
}

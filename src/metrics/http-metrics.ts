// Request counters and latency, labelled by route template ("/api/v1/traces/:trace_id"),
// never by raw URL: raw paths carry ids, which would create one series per trace.
import { counter, histogram } from './registry.js';

/** Route label of requests that matched no route (404s, scanners). */
export const UNMATCHED_ROUTE = '__unmatched__';

export const httpRequestsTotal = counter('http_requests_total', 'HTTP requests answered, by method, route template and status code', [
  'method',
  'route',
  'status',
]);

export const httpRequestDuration = histogram(
  'http_request_duration_seconds',
  'Time from request arrival to response sent, by method and route template',
  ['method', 'route'],
);

export function recordHttpRequest(method: string, route: string | undefined, status: number, durationS: number): void {
  const r = route ?? UNMATCHED_ROUTE;
  httpRequestsTotal.inc({ method, route: r, status: String(status) });
  httpRequestDuration.observe({ method, route: r }, durationS);
}

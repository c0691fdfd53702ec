// The storage drivers' QueryObserver: every statement's duration feeds
// db_query_duration_seconds{kind}, and statements slower than SLOW_QUERY_MS
// are logged at warn. The observer never sees SQL text or parameters, so the
// slow log cannot leak filter values: it carries the kind, the duration, the
// value-free shape of the filter (QueryOptions.shape), its fingerprint and
// the request id.
import { recordDbQuery } from '../metrics/db-metrics.js';
import { shapeFingerprint } from '../metrics/query-shape.js';
import type { QueryInfo, QueryKind, QueryObserver } from './driver.js';

/** The slice of a pino/Fastify logger the slow log needs. */
export interface SlowQueryLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

export interface QueryMonitor {
  readonly observe: QueryObserver;
  /**
   * The driver opens before the app (migrations run first), so the logger
   * arrives later: serve attaches the app's logger once it exists.
   */
  useLogger(log: SlowQueryLogger): void;
}

export function createQueryMonitor(opts: { slowQueryMs: number; log?: SlowQueryLogger }): QueryMonitor {
  let log = opts.log;
  const observe: QueryObserver = (kind: QueryKind, durationMs: number, ok: boolean, info?: QueryInfo) => {
    recordDbQuery(kind, durationMs, ok);
    // 0 disables the slow log (SLOW_QUERY_MS=0), it does not log everything.
    if (!log || opts.slowQueryMs <= 0 || durationMs < opts.slowQueryMs) return;
    log.warn(
      {
        kind,
        duration_ms: Math.round(durationMs * 10) / 10,
        slow_query_ms: opts.slowQueryMs,
        ok,
        request_id: info?.requestId ?? null,
        shape: info?.shape ?? null,
        shape_fp: info?.shape ? shapeFingerprint(info.shape) : null,
      },
      'slow query',
    );
  };
  return {
    observe,
    useLogger(l) {
      log = l;
    },
  };
}

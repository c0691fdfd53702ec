// What an analytics request (the metrics query API and every report) runs
// with: the analytics reader, the result cache when it is on, the request id,
// and, only when the cache is off, the client's disconnect signal. With the
// cache on, a statement may answer other requests waiting on the same key
// (single flight), so no one client stops it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ResultCache } from '../cache/result-cache.js';
import type { Queryable } from '../storage/driver.js';
import { abortOnDisconnect } from './abort-on-disconnect.js';

export interface AnalyticsEnv {
  db: Queryable;
  cache: Pick<ResultCache, 'wrap'> | null;
  requestId: string;
  signal?: AbortSignal;
}

export function analyticsEnv(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): AnalyticsEnv {
  const cached = app.config.cache.enabled;
  return { db: app.analyticsReader, cache: cached ? app.cache : null, requestId: String(request.id), ...(cached ? {} : { signal: abortOnDisconnect(reply) }) };
}

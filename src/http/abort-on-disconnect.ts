// An AbortSignal that fires when the HTTP client goes away before its
// response is written: the statements of that request are cancelled (or, if
// still queued, never run). Only for work no other request shares: a query
// several requests wait on (the cache's single flight) must outlive any one
// client, so callers pass it only when the result cache is off.
import type { FastifyReply } from 'fastify';

export function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/**
 * The signal for an analytics request: only with the result cache off. With it on, the statements
 * may answer other requests waiting on the same key (single flight), so no one client stops them.
 */
export function unsharedSignal(cacheEnabled: boolean, reply: FastifyReply): { signal?: AbortSignal } {
  return cacheEnabled ? {} : { signal: abortOnDisconnect(reply) };
}

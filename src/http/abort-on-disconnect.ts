// An AbortSignal that fires when the HTTP client goes away before its
// response is written: the statements of that request are cancelled (or, if
// still queued, never run). Only for work no other request shares: a query
// several requests wait on (the cache's single flight) must outlive any one
// client (analytics-env.ts passes it only when the result cache is off).
import type { FastifyReply } from 'fastify';

export function abortOnDisconnect(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}


// Per-role request budgets per minute (config.rateLimits), keyed by principal.
// Our own small plugin rather than @fastify/rate-limit: we need the budget
// chosen by role after auth, counting in Redis through the same timeout and
// circuit breaker as the cache, and a visible fail-open (log line + counter)
// with per-instance counting as the fallback; its skipOnError drops errors
// silently and its Redis store has no call bound of its own.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { Principal } from '../../auth/principal.js';
import { appError, logFields } from '../../errors.js';
import { RedisRateLimitStore } from './rate-limit-redis-store.js';
import { MemoryRateLimitStore, type RateLimitStore, type WindowCount } from './rate-limit-store.js';

const WINDOW_MS = 60_000;
const FAIL_OPEN_LOG_EVERY_MS = 10_000;

const failOpenTotal = new Counter({
  name: 'rate_limit_fail_open_total',
  help: 'Requests counted per instance because the shared rate-limit store (Redis) was unreachable',
});
const exceededTotal = new Counter({
  name: 'rate_limit_exceeded_total',
  help: 'Requests rejected with 429, by role',
  labelNames: ['role'] as const,
});

/** One budget per identity and role, within its organisation (subjects are unique only per issuer/org). */
export function rateLimitKey(prefix: string, p: Principal): string {
  return `${prefix}rl:${p.role}:${encodeURIComponent(p.orgId ?? '')}:${encodeURIComponent(p.sub)}`;
}

async function rateLimitPlugin(app: FastifyInstance) {
  const local = new MemoryRateLimitStore();
  const shared: RateLimitStore | null = app.redis ? new RedisRateLimitStore(app.redis) : null;
  let lastFailLog = 0;

  // While Redis is unreachable we count per instance: the local count covers
  // only this instance's requests since the failure, so it can never reject
  // a request the shared budget would have allowed.
  async function count(key: string): Promise<WindowCount> {
    if (!shared) return local.hit(key, WINDOW_MS);
    try {
      return await shared.hit(key, WINDOW_MS);
    } catch (err) {
      failOpenTotal.inc();
      const now = Date.now();
      if (now - lastFailLog >= FAIL_OPEN_LOG_EVERY_MS) {
        lastFailLog = now;
        app.log.warn(logFields(appError.CACHE_UNAVAILABLE(err)), 'rate limit store unreachable: failing open to per-instance counting');
      }
      return local.hit(key, WINDOW_MS);
    }
  }

  app.addHook('onRequest', async (request, reply) => {
    const principal = request.principal;
    if (!principal) return;
    const limit = app.config.rateLimits[principal.role];
    const { count: used, resetMs } = await count(rateLimitKey(app.config.cache.keyPrefix, principal));
    const resetS = Math.max(1, Math.ceil(resetMs / 1000));
    reply.header('X-RateLimit-Limit', String(limit));
    reply.header('X-RateLimit-Remaining', String(Math.max(0, limit - used)));
    reply.header('X-RateLimit-Reset', String(resetS));
    if (used > limit) {
      exceededTotal.inc({ role: principal.role });
      throw appError.RATE_LIMIT_EXCEEDED(limit, principal.role, resetS);
    }
  });
}

export default fp(rateLimitPlugin, { name: 'tracelens-rate-limit', dependencies: ['tracelens-cache'] });

// Builds the cache from the config and hangs it on the app: app.cache for
// routes, app.redis (the guarded connection, or null) for the rate limiter,
// and a health probe for /health.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ComponentStatus, HealthProbe } from '../http/routes/health.js';
import { GuardedRedis } from './guarded-redis.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { ResultCache } from './result-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    cache: ResultCache;
    /** The shared Redis connection behind its timeout and breaker; null when REDIS_URL is unset. */
    redis: GuardedRedis | null;
    cacheProbe: HealthProbe;
  }
}

async function cachePlugin(app: FastifyInstance) {
  const cfg = app.config.cache;
  const redis = app.config.redisUrl
    ? new GuardedRedis({
        url: app.config.redisUrl,
        timeoutMs: cfg.timeoutMs,
        breakerThreshold: cfg.breakerThreshold,
        breakerCooldownMs: cfg.breakerCooldownMs,
        log: app.log,
      })
    : null;
  const memory = new MemoryStore({ maxEntries: cfg.lruMax, maxBytes: cfg.lruMaxBytes });
  app.decorate('redis', redis);
  app.decorate('cache', new ResultCache({ config: cfg, memory, shared: redis ? new RedisStore(redis) : null, log: app.log }));
  app.decorate('cacheProbe', {
    name: 'cache',
    // Through the breaker: while it is open this answers at once, and after
    // the cooldown the probe itself is the trial call that closes it again.
    async check(): Promise<ComponentStatus> {
      if (!cfg.enabled) return 'disabled';
      if (!redis) return 'healthy';
      return redis.ping().then(
        (): ComponentStatus => 'healthy',
        (): ComponentStatus => 'unhealthy',
      );
    },
  });
  app.addHook('onClose', async () => redis?.close());
}

export default fp(cachePlugin, { name: 'tracelens-cache' });

// Hangs the cache on the app: app.cache for routes, app.redis (the guarded
// connection, or null) for the rate limiter, app.cacheProbe for /health.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { HealthProbe } from '../../http/routes/health.js';
import { createCache } from '../../cache/create-cache.js';
import type { GuardedRedis } from '../../cache/guarded-redis.js';
import type { ResultCache } from '../../cache/result-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    cache: ResultCache;
    redis: GuardedRedis | null;
    cacheProbe: HealthProbe;
  }
}

async function cachePlugin(app: FastifyInstance) {
  const { cache, redis, probe } = createCache(app.config, app.log);
  app.decorate('cache', cache);
  app.decorate('redis', redis);
  app.decorate('cacheProbe', probe);
  app.addHook('onClose', async () => redis?.close());
}

export default fp(cachePlugin, { name: 'tracelens-cache' });

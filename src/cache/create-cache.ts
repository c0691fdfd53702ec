// Assembles the cache from the config: the memory tier always, Redis behind
// its guard when REDIS_URL is set, and the health probe over both.
import type { Config } from '../config.js';
import type { ComponentStatus, HealthProbe } from '../http/routes/health.js';
import { GuardedRedis } from './guarded-redis.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { ResultCache } from './result-cache.js';
import type { CacheLogger } from './store.js';

export interface CacheParts {
  cache: ResultCache;
  /** The shared, guarded Redis connection (also used by the rate limiter); null without REDIS_URL. */
  redis: GuardedRedis | null;
  probe: HealthProbe;
}

export function createCache(config: Config, log: CacheLogger): CacheParts {
  const cfg = config.cache;
  const redis = config.redisUrl
    ? new GuardedRedis({
        url: config.redisUrl,
        timeoutMs: cfg.timeoutMs,
        breakerThreshold: cfg.breakerThreshold,
        breakerCooldownMs: cfg.breakerCooldownMs,
        log,
      })
    : null;
  const memory = new MemoryStore({ maxEntries: cfg.lruMax, maxBytes: cfg.lruMaxBytes });
  const cache = new ResultCache({ config: cfg, memory, shared: redis ? new RedisStore(redis) : null, log });
  const probe: HealthProbe = {
    name: 'cache',
    // Through the breaker: while it is open this answers at once, and after
    // the cooldown the probe itself is the trial call that closes it again.
    // Redis is probed even with the result cache off: the rate limiter uses it.
    async check(): Promise<ComponentStatus> {
      if (!redis) return cfg.enabled ? 'healthy' : 'disabled';
      return redis.ping().then(
        (): ComponentStatus => 'healthy',
        (): ComponentStatus => 'unhealthy',
      );
    },
  };
  return { cache, redis, probe };
}

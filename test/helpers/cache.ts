// Cache test helpers: a cache built from env overrides, and counter readings.
import { createCache, type CacheParts } from '../../src/cache/create-cache.js';
import type { GuardedRedis } from '../../src/cache/guarded-redis.js';
import { cacheRequests } from '../../src/metrics/cache-metrics.js';
import { loadConfig } from '../../src/config.js';

export const SILENT_LOG = { info() {}, warn() {}, debug() {} };

export function testCache(env: Record<string, string>): CacheParts {
  return createCache(loadConfig({ LOG_LEVEL: 'silent', ...env }), SILENT_LOG);
}

/** Current value of cache_requests_total{tier, result}. */
export async function cacheCount(tier: 'memory' | 'redis', result: 'hit' | 'miss' | 'error'): Promise<number> {
  const { values } = await cacheRequests.get();
  return values.find((v) => v.labels.tier === tier && v.labels.result === result)?.value ?? 0;
}

/** Resolves once the guarded client is connected (it answers "no cache" before that). */
export async function redisReady(redis: GuardedRedis | null, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (redis && redis.client.status !== 'ready') {
    if (Date.now() > deadline) throw new Error(`redis not ready: ${redis.client.status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls until check() is true, or fails after timeoutMs. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return Date.now() - started;
}

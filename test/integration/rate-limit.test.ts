// Per-role budgets: headers on every protected response, 429 with
// Retry-After over budget, one budget shared by two instances through Redis,
// and fail-open (per-instance counting) when Redis is unreachable.
import type { FastifyInstance } from 'fastify';
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDriver } from '../../src/storage/embedded.js';
import { migrate } from '../../src/storage/migrate.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { redisReady } from '../helpers/cache.js';
import { deleteKeys, PrivateRedis, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis-server.js';
import { insertSpans, span } from '../helpers/spans.js';

const LIMITS = { RATE_LIMIT_VIEWER: '3', RATE_LIMIT_DEVELOPER: '5' };

async function failOpenCount(): Promise<number> {
  const metric = register.getSingleMetric('rate_limit_fail_open_total');
  return (await metric!.get()).values[0]?.value ?? 0;
}

describe('rate limits', () => {
  let driver: EmbeddedDriver;
  const apps: FastifyInstance[] = [];
  const prefix = uniquePrefix('rl');

  async function app(env: Record<string, string> = {}): Promise<FastifyInstance> {
    const a = await buildTestApp(driver, { CACHE_KEY_PREFIX: prefix, ...LIMITS, ...env });
    apps.push(a);
    await redisReady(a.redis);
    return a;
  }

  beforeAll(async () => {
    driver = await EmbeddedDriver.open({ dataDir: null });
    await migrate(driver);
    await insertSpans(driver, [span({ trace_id: 'rl-1', span_id: 's1' })]);
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await driver?.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
  });

  it('sends the headers on every protected response and 429s over budget (in-process)', async () => {
    const a = await app();
    const headers = await bearer({ role: 'viewer', sub: 'rl-viewer', projects: ['proj-a'] });
    const ok = await a.inject({ url: '/api/v1/traces/rl-1', headers });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['x-ratelimit-limit']).toBe('3');
    expect(ok.headers['x-ratelimit-remaining']).toBe('2');
    const reset = Number(ok.headers['x-ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
    // Error responses count and carry the headers too.
    const missing = await a.inject({ url: '/api/v1/traces/nope', headers });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-ratelimit-remaining']).toBe('1');
    expect((await a.inject({ url: '/api/v1/traces/rl-1', headers })).headers['x-ratelimit-remaining']).toBe('0');
    const over = await a.inject({ url: '/api/v1/traces/rl-1', headers });
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(over.headers['x-ratelimit-remaining']).toBe('0');
    expect(over.headers['x-ratelimit-limit']).toBe('3');
  });

  it('keeps one budget per identity and uses the role\'s limit', async () => {
    const a = await app();
    const viewer = await bearer({ role: 'viewer', sub: 'rl-v2', projects: ['proj-a'] });
    const developer = await bearer({ role: 'developer', sub: 'rl-v2', projects: ['proj-a'] });
    const otherOrg = await bearer({ role: 'viewer', sub: 'rl-v2', orgId: 'org-z', projects: ['proj-a'] });
    for (let i = 0; i < 3; i++) await a.inject({ url: '/api/v1/traces/rl-1', headers: viewer });
    expect((await a.inject({ url: '/api/v1/traces/rl-1', headers: viewer })).statusCode).toBe(429);
    const dev = await a.inject({ url: '/api/v1/traces/rl-1', headers: developer });
    expect(dev.statusCode).toBe(200);
    expect(dev.headers['x-ratelimit-limit']).toBe('5');
    expect((await a.inject({ url: '/api/v1/traces/rl-1', headers: otherOrg })).statusCode).toBe(200);
  });

  it('does not count unauthenticated requests (they fail before any work)', async () => {
    const a = await app();
    const res = await a.inject({ url: '/api/v1/traces/rl-1' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('shares one budget between two instances on the same Redis', async () => {
    const a = await app({ REDIS_URL: SHARED_REDIS_URL });
    const b = await app({ REDIS_URL: SHARED_REDIS_URL });
    const headers = await bearer({ role: 'developer', sub: 'rl-shared', projects: ['proj-a'] });
    const remaining: string[] = [];
    for (const target of [a, b, a, b, a]) {
      const res = await target.inject({ url: '/api/v1/traces/rl-1', headers });
      expect(res.statusCode).toBe(200);
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const overB = await b.inject({ url: '/api/v1/traces/rl-1', headers });
    expect(overB.statusCode).toBe(429);
    expect(overB.headers['retry-after']).toBeDefined();
    expect((await a.inject({ url: '/api/v1/traces/rl-1', headers })).statusCode).toBe(429);
  });

  it('fails open to per-instance counting, with a counter, while Redis is unreachable', async () => {
    const redis = await PrivateRedis.start();
    try {
      const a = await app({ REDIS_URL: redis.url, CACHE_BREAKER_COOLDOWN_MS: '200' });
      const headers = await bearer({ role: 'developer', sub: 'rl-open', projects: ['proj-a'] });
      expect((await a.inject({ url: '/api/v1/traces/rl-1', headers })).headers['x-ratelimit-remaining']).toBe('4');
      redis.pause();
      const before = await failOpenCount();
      const res = await a.inject({ url: '/api/v1/traces/rl-1', headers });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('5');
      // The local count starts at the failure: it can only be more lenient than the shared one.
      expect(res.headers['x-ratelimit-remaining']).toBe('4');
      expect(await failOpenCount()).toBe(before + 1);
      await redis.stop();
      expect((await a.inject({ url: '/api/v1/traces/rl-1', headers })).statusCode).toBe(200);
      expect(await failOpenCount()).toBe(before + 2);
    } finally {
      await redis.stop();
    }
  });
});

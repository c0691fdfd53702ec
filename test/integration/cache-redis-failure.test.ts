// Redis frozen, killed and brought back, on a private redis-server: every
// request still answers 200 within a bound, /health says degraded, the
// breaker stops calling Redis, and caching resumes once Redis returns.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDriver } from '../../src/storage/embedded.js';
import { migrate } from '../../src/storage/migrate.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { cacheCount, eventually, redisReady } from '../helpers/cache.js';
import { PrivateRedis, scanKeys, uniquePrefix } from '../helpers/redis-server.js';
import { insertSpans, span } from '../helpers/spans.js';

// Generous on purpose: the machine is shared and noisy. The designed bound is
// CACHE_TIMEOUT_MS per Redis call (a few calls per request at most).
const SLOW_REQUEST_MS = 1000;
const RECOVERY_MS = 10_000;

describe('cache and rate limit with Redis down, frozen and back', () => {
  const prefix = uniquePrefix('cache-fail');
  let redis: PrivateRedis;
  let driver: EmbeddedDriver;
  let app: FastifyInstance;
  let headers: Record<string, string>;
  let traceNo = 0;
  const env = () => ({ CACHE_ENABLED: 'true', REDIS_URL: redis.url, CACHE_KEY_PREFIX: prefix, CACHE_BREAKER_COOLDOWN_MS: '500', CACHE_TIMEOUT_MS: '50' });

  /** A request for a fresh trace: always a miss, so it exercises Redis reads and writes. */
  async function freshRequest(target = app) {
    const id = `f-${++traceNo}`;
    await insertSpans(driver, [span({ trace_id: id, span_id: `${id}-s` })]);
    const started = performance.now();
    const res = await target.inject({ url: `/api/v1/traces/${id}`, headers });
    return { id, res, ms: performance.now() - started };
  }

  async function keyCount(): Promise<number> {
    const c = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      return (await scanKeys(c, `${prefix}cache:`)).length;
    } finally {
      c.disconnect();
    }
  }

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    driver = await EmbeddedDriver.open({ dataDir: null });
    await migrate(driver);
    app = await buildTestApp(driver, env());
    await redisReady(app.redis);
    headers = await bearer({ role: 'developer', projects: ['proj-a'] });
  });
  afterAll(async () => {
    await app?.close();
    await driver?.close();
    await redis?.stop();
  });

  it('caches through Redis while it is healthy', async () => {
    const { res } = await freshRequest();
    expect(res.statusCode).toBe(200);
    expect(await keyCount()).toBe(1);
    const health = (await app.inject({ url: '/health' })).json();
    expect(health).toMatchObject({ status: 'healthy', cache: 'healthy' });
  });

  it('answers every request while Redis is frozen, then stops calling it', async () => {
    redis.pause();
    const errorsBefore = await cacheCount('redis', 'error');
    const attemptsBefore = app.redis!.attempts;
    const sequential = [];
    for (let i = 0; i < 8; i++) sequential.push(await freshRequest());
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => freshRequest()));
    for (const r of [...sequential, ...concurrent]) {
      expect(r.res.statusCode).toBe(200);
      expect(r.res.json().meta.cached).toBe(false);
      expect(r.ms).toBeLessThan(SLOW_REQUEST_MS);
    }
    expect(app.redis!.breaker.state).toBe('open');
    // 18 requests, each wanting a rate-limit count, a cache read and a cache
    // write (54 calls); the breaker let only the first few through.
    expect(app.redis!.attempts - attemptsBefore).toBeLessThan(10);
    expect(await cacheCount('redis', 'error')).toBeGreaterThan(errorsBefore);
    const health = await app.inject({ url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'degraded', cache: 'unhealthy', database: 'healthy' });
  });

  it('resumes caching within 10 s of Redis thawing', async () => {
    redis.resume();
    const keysBefore = await keyCount();
    const tookMs = await eventually(async () => (await freshRequest()).res.statusCode === 200 && (await keyCount()) > keysBefore, RECOVERY_MS);
    expect(tookMs).toBeLessThan(RECOVERY_MS);
    expect(app.redis!.breaker.state).toBe('closed');
    expect((await app.inject({ url: '/health' })).json().status).toBe('healthy');
  });

  it('answers every request while Redis is stopped, and recovers after a restart', async () => {
    await redis.stop();
    // The child's exit can be reported before ioredis has processed the socket
    // close; the property under test starts once the client knows.
    await eventually(async () => app.redis!.client.status !== 'ready', RECOVERY_MS);
    const attemptsBefore = app.redis!.attempts;
    for (let i = 0; i < 5; i++) {
      const r = await freshRequest();
      expect(r.res.statusCode).toBe(200);
      expect(r.ms).toBeLessThan(SLOW_REQUEST_MS);
    }
    // A closed connection is skipped without an attempt (at most the calls
    // racing ioredis noticing the close, which trip the breaker).
    expect(app.redis!.attempts - attemptsBefore).toBeLessThanOrEqual(3);
    const health = (await app.inject({ url: '/health' })).json();
    expect(health).toMatchObject({ status: 'degraded', cache: 'unhealthy' });

    await redis.start();
    const tookMs = await eventually(async () => (await freshRequest()).res.statusCode === 200 && (await keyCount()) > 0, RECOVERY_MS);
    expect(tookMs).toBeLessThan(RECOVERY_MS);
    // A second instance with a cold memory tier is answered from Redis.
    const other = await buildTestApp(driver, env());
    try {
      await redisReady(other.redis);
      const { id } = await freshRequest();
      const res = await other.inject({ url: `/api/v1/traces/${id}`, headers });
      expect(res.json().meta.cached).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('starts and serves when Redis is unreachable from the outset', async () => {
    const down = await buildTestApp(driver, { ...env(), REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const { res } = await freshRequest(down);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('10000');
      expect((await down.inject({ url: '/health' })).json().status).toBe('degraded');
    } finally {
      await down.close();
    }
  });
});

// Redis cut, refused, stalled and slowed by a TCP proxy between the service
// and Redis, under a stream of concurrent search requests: every request
// answers 200 within a generous bound (the cache's stated bound is a few
// CACHE_TIMEOUT_MS per request), the rate limiter fails open, and caching
// resumes after the proxy forwards again, with no restart.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDriver } from '../../src/storage/embedded.js';
import { migrate } from '../../src/storage/migrate.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { eventually, redisReady } from '../helpers/cache.js';
import { deleteKeys, scanKeys, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis-server.js';
import { insertSpans, span } from '../helpers/spans.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

// Designed bound: 3 Redis calls x CACHE_TIMEOUT_MS (50 ms) = 150 ms added. The
// assertion is far looser because the machine is shared; a request that waited
// for Redis (seconds, or forever) would still fail it.
const GENEROUS_REQUEST_MS = 2000;
const RECOVERY_MS = 10_000;

async function failOpenCount(): Promise<number> {
  const m = register.getSingleMetric('rate_limit_fail_open_total');
  return (await m?.get())?.values[0]?.value ?? 0;
}

describe('Redis through a TCP proxy: cut, refused, stalled, slow', () => {
  const prefix = uniquePrefix('redis-proxy');
  let proxy: TcpProxy;
  let driver: EmbeddedDriver;
  let app: FastifyInstance;
  let headers: Record<string, string>;
  let queryNo = 0;

  /** A search no earlier request made (a cache miss: rate-limit count, cache read, cache write). */
  async function freshSearch() {
    const started = performance.now();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/traces/search',
      headers,
      payload: { filter: { field: 'user_id', operator: 'ne', value: `nobody-${++queryNo}` }, limit: 5 },
    });
    return { res, ms: performance.now() - started };
  }

  /** A stream of `total` fresh searches, `concurrency` at a time. */
  async function stream(total: number, concurrency: number) {
    const results: Awaited<ReturnType<typeof freshSearch>>[] = [];
    let left = total;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left-- > 0) results.push(await freshSearch());
      }),
    );
    return results;
  }

  function expectAllServed(results: Awaited<ReturnType<typeof freshSearch>>[]) {
    const statuses = results.map((r) => r.res.statusCode);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    for (const r of results) expect(r.res.json().data.length).toBe(3);
    const slowest = Math.max(...results.map((r) => r.ms));
    expect(slowest).toBeLessThan(GENEROUS_REQUEST_MS);
  }

  async function cacheKeys(): Promise<number> {
    const c = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      return (await scanKeys(c, `${prefix}cache:`)).length;
    } finally {
      c.disconnect();
    }
  }

  /** Caching through Redis works again: a fresh search leaves a new key. */
  async function expectRecovery() {
    await proxy.restore();
    await eventually(async () => {
      const before = await cacheKeys();
      const { res } = await freshSearch();
      return res.statusCode === 200 && (await cacheKeys()) > before;
    }, RECOVERY_MS);
    expect(app.redis!.breaker.state).toBe('closed');
  }

  beforeAll(async () => {
    const target = new URL(SHARED_REDIS_URL);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 6379));
    driver = await EmbeddedDriver.open({ dataDir: null });
    await migrate(driver);
    await insertSpans(driver, [span({ trace_id: 'r1' }), span({ trace_id: 'r2' }), span({ trace_id: 'r3' })]);
    app = await buildTestApp(driver, {
      CACHE_ENABLED: 'true',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      CACHE_KEY_PREFIX: prefix,
      CACHE_TIMEOUT_MS: '50',
      CACHE_BREAKER_COOLDOWN_MS: '500',
    });
    await redisReady(app.redis);
    headers = await bearer({ role: 'developer', projects: ['proj-a'] });
  });
  afterAll(async () => {
    await app?.close();
    await driver?.close();
    await proxy?.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
  });

  it('caches through the proxy while it forwards', async () => {
    expectAllServed(await stream(10, 5));
    // Every fresh search leaves its key; the last writes may land just after
    // the last answer on a busy machine.
    await eventually(async () => (await cacheKeys()) >= 10, RECOVERY_MS);
  });

  it('serves every request while connections are cut and refused, failing the rate limit open', async () => {
    const failOpenBefore = await failOpenCount();
    await proxy.refuse(); // drops the open connection; reconnects are refused
    expectAllServed(await stream(40, 8));
    expect(await failOpenCount()).toBeGreaterThan(failOpenBefore);
    await expectRecovery();
  });

  it('serves every request while Redis is stalled (connected, silent)', async () => {
    const failOpenBefore = await failOpenCount();
    proxy.stall();
    expectAllServed(await stream(40, 8));
    expect(app.redis!.breaker.state).toBe('open');
    expect(await failOpenCount()).toBeGreaterThan(failOpenBefore);
    const health = await app.inject({ url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'degraded', cache: 'unhealthy' });
    await expectRecovery();
  });

  it('treats latency above CACHE_TIMEOUT_MS as a failure, and latency below it as normal', async () => {
    proxy.latencyMs = 300;
    const slow = await stream(30, 6);
    expectAllServed(slow);
    expect(app.redis!.breaker.state).toBe('open');
    proxy.latencyMs = 5;
    await expectRecovery();
    const keysBefore = await cacheKeys();
    expectAllServed(await stream(10, 5));
    // As in the first test: the last writes may land just after the last answer on a busy machine.
    await eventually(async () => (await cacheKeys()) >= keysBefore + 10, RECOVERY_MS);
    proxy.latencyMs = 0;
  });

  it('survives a cut of every connection mid-stream (reconnects at once)', async () => {
    const running = stream(40, 8);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 30));
      proxy.cut();
    }
    expectAllServed(await running);
    await expectRecovery();
  });
});

// GET /api/v1/traces/:trace_id through the cache, on both engines, with the
// shared Redis: meta.cached, tenant separation, single flight per request.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Driver } from '../../src/storage/driver.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { cacheCount, redisReady } from '../helpers/cache.js';
import { deleteKeys, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis-server.js';
import { insertSpans, span } from '../helpers/spans.js';

/** The real driver, counting the trace queries that reach it. */
function countingDriver(driver: Driver): Driver & { traceQueries: number } {
  const counted = Object.create(driver) as Driver & { traceQueries: number };
  counted.traceQueries = 0;
  counted.query = (sql, params, opts) => {
    if (opts?.kind === 'trace') counted.traceQueries++;
    return driver.query(sql, params, opts);
  };
  return counted;
}

describeEachBackend('trace by id through the result cache', (backend) => {
  const prefix = uniquePrefix('cache-http');
  let app: FastifyInstance;
  let driver: ReturnType<typeof countingDriver>;

  beforeAll(async () => {
    driver = countingDriver(backend().driver);
    app = await buildTestApp(driver, { CACHE_ENABLED: 'true', REDIS_URL: SHARED_REDIS_URL, CACHE_KEY_PREFIX: prefix });
    await redisReady(app.redis);
    await insertSpans(backend().driver, [
      span({ trace_id: 'c-1', span_id: 'root', ts: '2026-11-01T10:00:00.000Z' }),
      span({ trace_id: 'c-1', span_id: 'kid', parent_span_id: 'root', ts: '2026-11-01T10:00:01.000Z' }),
      span({ trace_id: 'c-flight', span_id: 'only' }),
      span({ trace_id: 'c-b', span_id: 'b-secret', project_id: 'proj-b' }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await deleteKeys(SHARED_REDIS_URL, prefix);
  });

  it('answers a repeat from the cache with meta.cached and the same data', async () => {
    const headers = await bearer({ role: 'viewer', projects: ['proj-a'] });
    const before = driver.traceQueries;
    const memoryHits = await cacheCount('memory', 'hit');
    const first = await app.inject({ url: '/api/v1/traces/c-1', headers });
    const second = await app.inject({ url: '/api/v1/traces/c-1', headers });
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(first.json().meta.cached).toBe(false);
    expect(second.json().meta.cached).toBe(true);
    expect(second.json().data).toEqual(first.json().data);
    expect(driver.traceQueries).toBe(before + 1);
    expect(await cacheCount('memory', 'hit')).toBe(memoryHits + 1);
  });

  it('keeps tenants apart: another scope never gets a cached answer', async () => {
    const admin = await bearer({ role: 'admin' });
    const viewerA = await bearer({ role: 'viewer', projects: ['proj-a'] });
    expect((await app.inject({ url: '/api/v1/traces/c-b', headers: admin })).statusCode).toBe(200);
    const other = await app.inject({ url: '/api/v1/traces/c-b', headers: viewerA });
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain('b-secret');
    // A viewer of proj-b only (different scope) computes its own answer.
    const viewerB = await app.inject({ url: '/api/v1/traces/c-b', headers: await bearer({ role: 'viewer', projects: ['proj-b'] }) });
    expect(viewerB.json().meta.cached).toBe(false);
  });

  it('runs N concurrent identical requests as one database query', async () => {
    const headers = await bearer({ role: 'developer', projects: ['proj-a'] });
    const before = driver.traceQueries;
    const responses = await Promise.all(Array.from({ length: 12 }, () => app.inject({ url: '/api/v1/traces/c-flight', headers })));
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect(driver.traceQueries).toBe(before + 1);
  });

  it('does not cache a 404', async () => {
    const headers = await bearer({ role: 'viewer', projects: ['proj-a'] });
    const before = driver.traceQueries;
    await app.inject({ url: '/api/v1/traces/c-nope', headers });
    await app.inject({ url: '/api/v1/traces/c-nope', headers });
    expect(driver.traceQueries).toBe(before + 2);
  });
});

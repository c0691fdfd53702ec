// The cache seam (ResultCache.wrap) against the real shared Redis: tiers,
// TTL expiry, single flight, cursors, errors. Each run uses its own key prefix.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheParts } from '../../src/cache/create-cache.js';
import { cacheCount, redisReady, testCache } from '../helpers/cache.js';
import { principal } from '../helpers/principal.js';
import { deleteKeys, scanKeys, SHARED_REDIS_URL, uniquePrefix } from '../helpers/redis-server.js';

const prefix = uniquePrefix('cache');
const env = { REDIS_URL: SHARED_REDIS_URL, CACHE_KEY_PREFIX: prefix, CACHE_DEFAULT_TTL: '1' };
const viewerA = principal('viewer', ['proj-a']);
const parts: CacheParts[] = [];
let direct: Redis;

function instance(extra: Record<string, string> = {}): CacheParts {
  const p = testCache({ ...env, ...extra });
  parts.push(p);
  return p;
}

/** A compute function that counts its calls. */
function counted<T>(value: T, delayMs = 0) {
  const fn = async () => {
    fn.calls++;
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return value;
  };
  fn.calls = 0;
  return fn;
}

beforeAll(async () => {
  direct = new Redis(SHARED_REDIS_URL);
});

afterAll(async () => {
  for (const p of parts) p.redis?.close();
  await deleteKeys(SHARED_REDIS_URL, prefix);
  direct.disconnect();
});

async function ready(p: CacheParts): Promise<CacheParts> {
  await redisReady(p.redis);
  return p;
}

describe('ResultCache over memory + Redis', () => {
  it('misses, then hits from memory; a second instance hits from Redis', async () => {
    const a = await ready(instance());
    const b = await ready(instance());
    const compute = counted({ rows: [1, 2, 3] });
    const req = { kind: 'search' as const, query: { sql: 'q1', params: [1] } };
    const memHits = await cacheCount('memory', 'hit');
    const redisHits = await cacheCount('redis', 'hit');

    expect(await a.cache.wrap(viewerA, req, compute)).toEqual({ value: { rows: [1, 2, 3] }, cached: false });
    expect(await a.cache.wrap(viewerA, req, compute)).toEqual({ value: { rows: [1, 2, 3] }, cached: true });
    expect(await cacheCount('memory', 'hit')).toBe(memHits + 1);
    expect(await b.cache.wrap(viewerA, req, compute)).toEqual({ value: { rows: [1, 2, 3] }, cached: true });
    expect(await cacheCount('redis', 'hit')).toBe(redisHits + 1);
    expect(compute.calls).toBe(1);
    // Stored as the bare payload, under the run's prefix, with a TTL.
    const keys = await scanKeys(direct, prefix);
    expect(keys).toHaveLength(1);
    expect(await direct.get(keys[0]!)).toBe('{"rows":[1,2,3]}');
    expect(await direct.pttl(keys[0]!)).toBeGreaterThan(0);
  });

  it('never shares entries between tenants, but does between users of one scope', async () => {
    const a = await ready(instance());
    const compute = counted('answer');
    const req = { kind: 'search' as const, query: { sql: 'tenant' } };
    await a.cache.wrap(viewerA, req, compute);
    expect((await a.cache.wrap(principal('viewer', ['proj-b']), req, compute)).cached).toBe(false);
    expect((await a.cache.wrap(principal('viewer', ['proj-a'], { orgId: 'org-9' }), req, compute)).cached).toBe(false);
    expect((await a.cache.wrap(principal('viewer', ['proj-a'], { sub: 'colleague' }), req, compute)).cached).toBe(true);
    expect(compute.calls).toBe(3);
  });

  it('expires entries after their TTL in both tiers', async () => {
    const a = await ready(instance());
    const compute = counted('fresh');
    const req = { kind: 'trace' as const, query: { id: 'ttl' } };
    await a.cache.wrap(viewerA, req, compute);
    expect((await a.cache.wrap(viewerA, req, compute)).cached).toBe(true);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await a.cache.wrap(viewerA, req, compute)).cached).toBe(false);
    expect(compute.calls).toBe(2);
  });

  it('runs N concurrent identical misses once', async () => {
    const a = await ready(instance());
    const compute = counted({ n: 42 }, 50);
    const req = { kind: 'search' as const, query: { sql: 'flight' } };
    const results = await Promise.all(Array.from({ length: 25 }, () => a.cache.wrap(viewerA, req, compute)));
    expect(compute.calls).toBe(1);
    expect(results.every((r) => r.value.n === 42 && r.cached === false)).toBe(true);
  });

  it('shares a failure among the waiters and caches nothing', async () => {
    const a = await ready(instance());
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('db down');
    };
    const req = { kind: 'search' as const, query: { sql: 'failing' } };
    const settled = await Promise.allSettled(Array.from({ length: 5 }, () => a.cache.wrap(viewerA, req, failing)));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(calls).toBe(1);
    expect((await a.cache.wrap(viewerA, req, async () => 'ok')).cached).toBe(false);
  });

  it('gives up waiting for a stuck leader after CACHE_FLIGHT_WAIT_MS', async () => {
    const a = await ready(instance({ CACHE_FLIGHT_WAIT_MS: '30' }));
    const req = { kind: 'search' as const, query: { sql: 'stuck' } };
    let release!: (v: string) => void;
    const leader = a.cache.wrap(viewerA, req, () => new Promise<string>((r) => (release = r)));
    const follower = await a.cache.wrap(viewerA, req, async () => 'own');
    expect(follower).toEqual({ value: 'own', cached: false });
    release('leader');
    expect((await leader).value).toBe('leader');
  });

  it('never caches a request with a cursor', async () => {
    const a = await ready(instance({ CACHE_KEY_PREFIX: `${prefix}cursor:` }));
    const compute = counted('page 2');
    const req = { kind: 'search' as const, query: { sql: 'paged' }, cursor: 'opaque' };
    expect((await a.cache.wrap(viewerA, req, compute)).cached).toBe(false);
    expect((await a.cache.wrap(viewerA, req, compute)).cached).toBe(false);
    expect(compute.calls).toBe(2);
    expect(await scanKeys(direct, `${prefix}cursor:`)).toEqual([]);
  });

  it('works in-process only without REDIS_URL', async () => {
    const a = testCache({ CACHE_KEY_PREFIX: prefix });
    expect(a.redis).toBeNull();
    const compute = counted('local');
    const req = { kind: 'list' as const, query: { sql: 'local-only' } };
    expect((await a.cache.wrap(viewerA, req, compute)).cached).toBe(false);
    expect((await a.cache.wrap(viewerA, req, compute)).cached).toBe(true);
    expect(await a.probe.check()).toBe('healthy');
  });
});

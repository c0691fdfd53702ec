// Key builder, TTL policy and circuit breaker: the pure parts of the cache.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/cache/circuit-breaker.js';
import { cacheKey, type CacheRequest } from '../../src/cache/key.js';
import { ttlSeconds } from '../../src/cache/ttl-policy.js';
import { loadConfig } from '../../src/config.js';
import { principal } from '../helpers/principal.js';

const P = 'p:';
const viewerA = principal('viewer', ['proj-a']);
const search = (query: unknown, extra: Partial<CacheRequest> = {}): CacheRequest => ({ kind: 'search', query, ...extra });

describe('cacheKey', () => {
  const filter = {
    operator: 'AND',
    filters: [
      { field: 'provider', operator: 'EQ', value: 'openai' },
      { operator: 'or', filters: [{ field: 'duration_ms', operator: 'gte', value: 1000 }] },
    ],
  };

  it('ignores JSON key order at every depth', () => {
    const a = search({ filter, sort: { by: 'ts', desc: true }, limit: 50 });
    const b = search({ limit: 50, sort: { desc: true, by: 'ts' }, filter: JSON.parse(JSON.stringify(filter)) });
    expect(cacheKey(P, viewerA, a)).toBe(cacheKey(P, viewerA, b));
  });

  it('folds filter operator case but keeps values as sent', () => {
    const lower = {
      operator: 'and',
      filters: [
        { value: 'openai', operator: 'eq', field: 'provider' },
        { operator: 'OR', filters: [{ field: 'duration_ms', operator: 'GTE', value: 1000 }] },
      ],
    };
    expect(cacheKey(P, viewerA, search({ filter }))).toBe(cacheKey(P, viewerA, search({ filter: lower })));
    const otherValue = { operator: 'and', filters: [{ field: 'provider', operator: 'eq', value: 'OpenAI' }] };
    const sameValueLower = { operator: 'and', filters: [{ field: 'provider', operator: 'eq', value: 'openai' }] };
    expect(cacheKey(P, viewerA, search({ filter: otherValue }))).not.toBe(cacheKey(P, viewerA, search({ filter: sameValueLower })));
  });

  it('differs for anything that changes the answer', () => {
    const base = cacheKey(P, viewerA, search({ sql: 'x = $1', params: ['a'], limit: 50 }));
    expect(cacheKey(P, viewerA, search({ sql: 'x = $1', params: ['b'], limit: 50 }))).not.toBe(base);
    expect(cacheKey(P, viewerA, search({ sql: 'x = $1', params: ['a'], limit: 51 }))).not.toBe(base);
    expect(cacheKey(P, viewerA, { ...search({ sql: 'x = $1', params: ['a'], limit: 50 }), kind: 'list' })).not.toBe(base);
    expect(cacheKey(P, viewerA, search({ sql: 'x = $1', params: ['a'], limit: 50 }, { from: 'now-1h' }))).not.toBe(base);
    expect(cacheKey('q:', viewerA, search({ sql: 'x = $1', params: ['a'], limit: 50 }))).not.toBe(base);
  });

  it('separates tenants (org, projects, role) but not users with the same scope', () => {
    const req = search({ sql: 'x', params: [] });
    const key = cacheKey(P, viewerA, req);
    expect(cacheKey(P, principal('viewer', ['proj-b']), req)).not.toBe(key);
    expect(cacheKey(P, principal('viewer', ['proj-a', 'proj-b']), req)).not.toBe(key);
    expect(cacheKey(P, principal('viewer', ['proj-a'], { orgId: 'org-2' }), req)).not.toBe(key);
    expect(cacheKey(P, principal('developer', ['proj-a']), req)).not.toBe(key);
    expect(cacheKey(P, principal('admin', 'all'), req)).not.toBe(key);
    expect(cacheKey(P, principal('viewer', ['proj-a'], { sub: 'someone-else' }), req)).toBe(key);
  });

  it('keeps relative times relative: the same request keys the same later on', () => {
    const req = search({ sql: 'x' }, { from: 'now-1h', to: null });
    const first = cacheKey(P, viewerA, req);
    expect(cacheKey(P, viewerA, { ...req })).toBe(first);
    expect(first.startsWith('p:cache:v2:search:')).toBe(true);
  });
});

describe('ttlSeconds', () => {
  const cfg = loadConfig({ CACHE_DEFAULT_TTL: '60', CACHE_HISTORICAL_TTL: '600', CACHE_AGGREGATE_TTL: '1200' }).cache;
  const now = Date.parse('2026-11-10T12:00:00Z');
  const ttl = (kind: CacheRequest['kind'], from?: string | null, to?: string | null) => ttlSeconds(cfg, { kind, from, to }, now);

  it('uses the default TTL when the range touches the last hour or has no lower bound', () => {
    expect(ttl('search')).toBe(60);
    expect(ttl('search', 'now-7d')).toBe(60);
    expect(ttl('search', 'now-7d', 'now-30m')).toBe(60);
    expect(ttl('search', null, '2026-11-01T00:00:00Z')).toBe(60);
    expect(ttl('search', '2026-11-10T11:30:00Z', '2026-11-10T12:30:00Z')).toBe(60);
    expect(ttl('trace')).toBe(60);
  });

  it('caches an aggregate that reaches into the last hour for at most 5 seconds (freshness)', () => {
    expect(ttl('aggregate', 'now-1d')).toBe(5);
    expect(ttl('aggregate', 'now-7d', 'now-30m')).toBe(5);
    expect(ttlSeconds(loadConfig({ CACHE_DEFAULT_TTL: '2' }).cache, { kind: 'aggregate', from: 'now-1d' }, now)).toBe(2);
  });

  it('keeps purely historical ranges longer, aggregates per their own setting', () => {
    expect(ttl('search', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')).toBe(600);
    expect(ttl('list', 'now-7d', 'now-2h')).toBe(600);
    expect(ttl('aggregate', 'now-30d', 'now-1d')).toBe(1200);
  });

  it('treats an unreadable bound as recent', () => {
    expect(ttl('search', 'yesterday-ish', '2026-11-02T00:00:00Z')).toBe(60);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold, admits one trial after the cooldown, closes on success', async () => {
    let t = 0;
    const b = new CircuitBreaker({ threshold: 2, cooldownMs: 1000, now: () => t });
    const fail = () => b.run(() => Promise.reject(new Error('down')));
    await expect(fail()).rejects.toThrow('down');
    expect(b.state).toBe('closed');
    await expect(fail()).rejects.toThrow('down');
    expect(b.state).toBe('open');
    let calls = 0;
    await expect(b.run(async () => ++calls)).rejects.toThrow('circuit open');
    expect(calls).toBe(0);
    t = 1000;
    let release!: () => void;
    const trial = b.run(() => new Promise<void>((r) => (release = r)));
    expect(b.state).toBe('half-open');
    // Only one trial at a time.
    await expect(b.run(async () => ++calls)).rejects.toThrow('circuit open');
    release();
    await trial;
    expect(b.state).toBe('closed');
    await b.run(async () => ++calls);
    expect(calls).toBe(1);
  });

  it('re-opens when the trial fails', async () => {
    let t = 0;
    const b = new CircuitBreaker({ threshold: 1, cooldownMs: 100, now: () => t });
    await expect(b.run(() => Promise.reject(new Error('x')))).rejects.toThrow();
    t = 150;
    await expect(b.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(b.state).toBe('open');
    t = 200;
    await expect(b.run(async () => 1)).rejects.toThrow('circuit open');
  });
});

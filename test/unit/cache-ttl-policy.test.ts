// How long an answer may be reused: short for recent data, long for history.
import { describe, expect, it } from 'vitest';
import type { CacheRequest } from '../../src/cache/key.js';
import { ttlSeconds } from '../../src/cache/ttl-policy.js';
import { loadConfig } from '../../src/config.js';

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

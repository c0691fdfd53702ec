// The cache key: tenant scope and the normalized request, nothing else.
import { describe, expect, it } from 'vitest';
import { cacheKey, type CacheRequest } from '../../src/cache/key.js';
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

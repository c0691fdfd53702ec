// The search and list endpoints go through the result cache: the second
// identical first page is served from it (meta.cached), pages with a cursor
// never are, and tenants never share entries.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { insertSpans, span } from '../helpers/spans.js';

describeEachBackend('search and list through the result cache', (backend) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp(backend().driver, { CACHE_ENABLED: 'true' });
    await insertSpans(
      backend().driver,
      Array.from({ length: 5 }, (_, i) => span({ trace_id: `c-${i}`, span_id: 's', provider: 'openai' })).concat([
        span({ trace_id: 'b-1', span_id: 's', project_id: 'proj-b', provider: 'openai' }),
      ]),
    );
  });
  afterAll(async () => app?.close());

  it('serves the second identical search from the cache, with the same data', async () => {
    const headers = await bearer({ role: 'viewer', projects: ['proj-a'] });
    const payload = { filter: { field: 'provider', operator: 'eq', value: 'openai' }, limit: 2 };
    const first = await app.inject({ method: 'POST', url: '/api/v1/traces/search', headers, payload });
    const second = await app.inject({ method: 'POST', url: '/api/v1/traces/search', headers, payload: { limit: 2, filter: { value: 'openai', operator: 'EQ', field: 'provider' } } });
    expect(first.statusCode).toBe(200);
    expect(first.json().meta.cached).toBe(false);
    expect(second.json().meta.cached).toBe(true);
    expect(second.json().data).toEqual(first.json().data);
    expect(second.json().pagination).toEqual(first.json().pagination);

    // The next page (with a cursor) is never served from the cache.
    const page2 = { ...payload, cursor: first.json().pagination.cursor };
    const p2a = await app.inject({ method: 'POST', url: '/api/v1/traces/search', headers, payload: page2 });
    const p2b = await app.inject({ method: 'POST', url: '/api/v1/traces/search', headers, payload: page2 });
    expect(p2a.statusCode).toBe(200);
    expect([p2a.json().meta.cached, p2b.json().meta.cached]).toEqual([false, false]);
  });

  it('never shares an entry across tenants', async () => {
    const payload = { filter: { field: 'provider', operator: 'eq', value: 'openai' }, limit: 50 };
    const a = await app.inject({ method: 'POST', url: '/api/v1/traces/search', headers: await bearer({ role: 'viewer', projects: ['proj-a'] }), payload });
    const b = await app.inject({ method: 'POST', url: '/api/v1/traces/search', headers: await bearer({ role: 'viewer', projects: ['proj-b'] }), payload });
    expect(b.json().meta.cached).toBe(false);
    expect(a.json().data.every((s: { project_id: string }) => s.project_id === 'proj-a')).toBe(true);
    expect(b.json().data.map((s: { trace_id: string }) => s.trace_id)).toEqual(['b-1']);
  });

  it('caches the list endpoint too', async () => {
    const headers = await bearer({ role: 'viewer', projects: ['proj-a'] });
    const url = '/api/v1/traces?provider=openai&limit=3';
    expect((await app.inject({ url, headers })).json().meta.cached).toBe(false);
    expect((await app.inject({ url, headers })).json().meta.cached).toBe(true);
  });
});

// GET /api/v1/traces through inject(), on both engines: the query parameters
// of the contract, strict parsing (unknown, repeated, malformed -> 400),
// project scoping and cursor paging; the same results as the search endpoint.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { insertSpans, span } from '../helpers/spans.js';

describeEachBackend('GET /api/v1/traces', (backend) => {
  let app: FastifyInstance;
  let dev: Record<string, string>;
  const get = async (qs: string, headers = dev) => app.inject({ url: `/api/v1/traces${qs}`, headers });
  const ids = (res: { json(): { data: { span_id: string }[] } }) => res.json().data.map((r) => r.span_id);
  const recent = new Date(Date.now() - 30 * 60_000).toISOString();

  beforeAll(async () => {
    await insertSpans(backend().driver, [
      span({ span_id: 'l1', provider: 'openai', model: 'gpt-4o', duration_ms: 100, total_cost_usd: '0.01', ts: '2026-01-01T00:00:01.000Z', user_id: 'u1', input_text: 'refund request' }),
      span({ span_id: 'l2', provider: 'openai', model: 'gpt-4o-mini', duration_ms: 900, total_cost_usd: '0.2', ts: '2026-01-01T00:00:02.000Z', status_code: 'ERROR', environment: 'staging' }),
      span({ span_id: 'l3', provider: 'anthropic', duration_ms: 5000, total_cost_usd: '1.5', ts: recent, session_id: 'sx', model: 'claude-3' }),
      span({ span_id: 'l4', project_id: 'proj-b', provider: 'openai', model: 'o1', ts: '2026-01-01T00:00:03.000Z' }),
    ]);
    app = await buildTestApp(backend().driver);
    dev = await bearer({ role: 'developer', projects: ['proj-a', 'proj-b'] });
  });
  afterAll(async () => app?.close());

  it('filters by every contract parameter', async () => {
    expect(ids(await get('?provider=openai&project_id=proj-a'))).toEqual(['l2', 'l1']);
    expect(ids(await get('?model=gpt-4o'))).toEqual(['l1']);
    expect(ids(await get('?status=ERROR'))).toEqual(['l2']);
    expect(ids(await get('?environment=staging'))).toEqual(['l2']);
    expect(ids(await get('?user_id=u1'))).toEqual(['l1']);
    expect(ids(await get('?session_id=sx'))).toEqual(['l3']);
    expect(ids(await get('?min_duration=900&max_duration=5000'))).toEqual(['l3', 'l2']);
    expect(ids(await get('?min_cost=0.2&max_cost=1'))).toEqual(['l2']);
    expect(ids(await get('?search=refund'))).toEqual(['l1']);
    expect(ids(await get('?from=now-1h'))).toEqual(['l3']);
    expect(ids(await get('?from=2026-01-01T00:00:02Z&to=2026-01-01T00:00:03Z'))).toEqual(['l2']);
    expect(ids(await get('?sort_by=duration_ms&sort_order=asc&project_id=proj-a'))).toEqual(['l1', 'l2', 'l3']);
  });

  it('returns the same rows as the equivalent search request', async () => {
    const list = await get('?provider=openai&min_duration=50&sort_by=total_cost_usd&sort_order=asc');
    const search = await app.inject({
      method: 'POST',
      url: '/api/v1/traces/search',
      headers: dev,
      payload: {
        filter: { operator: 'and', filters: [{ field: 'provider', operator: 'eq', value: 'openai' }, { field: 'duration_ms', operator: 'gte', value: 50 }] },
        sort_by: 'total_cost_usd',
        sort_desc: false,
      },
    });
    expect(list.json().data).toEqual(search.json().data);
    expect(ids(list)).toEqual(['l4', 'l1', 'l2']);
  });

  it('scopes to the caller: project_id outside the token is 403, default is all own projects', async () => {
    const viewer = await bearer({ role: 'viewer', projects: ['proj-a'] });
    expect(ids(await get('', viewer))).not.toContain('l4');
    const res = await get('?project_id=proj-b', viewer);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('pages with the cursor to the end', async () => {
    const p1 = await get('?limit=2&sort_by=ts&sort_order=asc');
    expect(ids(p1)).toEqual(['l1', 'l2']);
    const p2 = await get(`?limit=2&sort_by=ts&sort_order=asc&cursor=${encodeURIComponent(p1.json().pagination.cursor)}`);
    expect(ids(p2)).toEqual(['l4', 'l3']);
    expect(p2.json().pagination.has_more).toBe(false);
    const other = await get(`?limit=2&sort_by=ts&sort_order=desc&cursor=${encodeURIComponent(p1.json().pagination.cursor)}`);
    expect(other.statusCode).toBe(400);
  });

  it.each([
    // The route's querystring schema (types, patterns, no unknown or repeated parameters).
    ...[
      '?unknown=1', '?limit=1&limit=2', '?limit[]=5', '?__proto__=1', '?constructor[prototype]=1', '?__proto__[x]=1', '?sort_order=up',
      '?provider=a&provider=b', '?limit=-1', '?limit=1.5', '?limit=abc', '?limit=', '?min_duration=-5', '?min_duration=1e3', '?min_cost=abc',
    ].map((qs) => [qs, 'BAD_REQUEST']),
    // Well-formed, but out of range.
    ['?limit=0', 'INVALID_PARAMETER'],
    ['?limit=1001', 'INVALID_PARAMETER'],
    ['?sort_by=input_text', 'INVALID_FIELD'],
    ['?sort_by=ts;DROP TABLE llm_traces', 'INVALID_FIELD'],
    ['?from=yesterday', 'INVALID_TIME_RANGE'],
    ['?to=now-1y', 'INVALID_TIME_RANGE'],
    ['?cursor=abc', 'INVALID_CURSOR'],
  ])('400 for %s: %s', async (qs, code) => {
    const res = await get(qs);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe(code);
  });

  it('names the parameter in range errors', async () => {
    expect((await get('?limit=1001')).json().error.details).toEqual({ path: 'query.limit' });
    expect((await get('?from=2026-02-30')).json().error.details).toEqual({ path: 'query.from' });
  });
});

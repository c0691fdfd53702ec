// POST /api/v1/traces/search through inject(), on both engines: results,
// field selection, tenant scope, permissions, cursors and validation errors.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { insertSpans, span } from '../helpers/spans.js';

describeEachBackend('POST /api/v1/traces/search', (backend) => {
  let app: FastifyInstance;
  let dev: Record<string, string>;
  const post = (payload: unknown, headers = dev) => app.inject({ method: 'POST', url: '/api/v1/traces/search', headers, payload: payload as object });

  beforeAll(async () => {
    await insertSpans(backend().driver, [
      span({ span_id: 'a1', provider: 'openai', duration_ms: 100, ts: '2026-01-01T00:00:01.000Z', total_cost_usd: '0.5', input_text: 'authentication error on login' }),
      span({ span_id: 'a2', provider: 'anthropic', duration_ms: 2000, ts: '2026-01-01T00:00:02.000Z', total_cost_usd: null, attributes: { user: { tier: 'pro' }, 'k8s.pod': 'web-1' } }),
      span({ span_id: 'a3', provider: null, duration_ms: 50, ts: '2026-01-01T00:00:03.000Z', tags: ['prod', 'beta'], model: '50%_off' }),
      span({ span_id: 'a4', provider: 'openai', duration_ms: 3000, ts: '2026-01-01T00:00:04.000Z', total_cost_usd: '0.25' }),
      span({ span_id: 'b1', project_id: 'proj-b', provider: 'openai', input_text: 'project B secret' }),
    ]);
    app = await buildTestApp(backend().driver);
    dev = await bearer({ role: 'developer', projects: ['proj-a'] });
  });
  afterAll(async () => app?.close());

  const ids = (res: { json(): { data: { span_id: string }[] } }) => res.json().data.map((r) => r.span_id);

  it('runs the contract example shape and returns the envelope', async () => {
    const res = await post({
      filter: {
        operator: 'AND',
        filters: [
          { field: 'provider', operator: 'eq', value: 'openai' },
          { operator: 'OR', filters: [{ field: 'duration_ms', operator: 'gte', value: 1000 }, { field: 'total_cost_usd', operator: 'gt', value: 0.4 }] },
        ],
      },
      sort_by: 'ts',
      sort_desc: true,
      limit: 100,
      fields: ['span_id', 'provider', 'duration_ms', 'total_cost_usd'],
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.data).toEqual([
      { span_id: 'a4', provider: 'openai', duration_ms: 3000, total_cost_usd: 0.25 },
      { span_id: 'a1', provider: 'openai', duration_ms: 100, total_cost_usd: 0.5 },
    ]);
    expect(body.pagination).toEqual({ cursor: null, has_more: false, limit: 100, total: null });
    expect(body.meta).toMatchObject({ cached: false, version: '1.0', request_id: res.headers['x-request-id'] });
    expect(typeof body.meta.execution_time_ms).toBe('number');
  });

  it('searches full text, attributes paths, tags and literal % _', async () => {
    expect(ids(await post({ filter: { field: 'input_text', operator: 'search', value: '"authentication error" -logout' } }))).toEqual(['a1']);
    expect(ids(await post({ filter: { field: 'attributes.user.tier', operator: 'eq', value: 'pro' } }))).toEqual(['a2']);
    expect(ids(await post({ filter: { field: 'attributes."k8s.pod"', operator: 'starts_with', value: 'WEB' } }))).toEqual(['a2']);
    expect(ids(await post({ filter: { field: 'tags', operator: 'contains', value: 'beta' } }))).toEqual(['a3']);
    expect(ids(await post({ filter: { field: 'model', operator: 'contains', value: '%_' } }))).toEqual(['a3']);
    expect(ids(await post({ filter: { field: 'model', operator: 'contains', value: '0_o' } }))).toEqual([]);
  });

  it('applies the documented NULL semantics: ne includes NULLs, NOT is two-valued', async () => {
    expect(ids(await post({ filter: { field: 'provider', operator: 'ne', value: 'openai' } }))).toEqual(['a3', 'a2']);
    expect(ids(await post({ filter: { operator: 'not', filters: [{ field: 'provider', operator: 'in', value: ['openai'] }] } }))).toEqual(['a3', 'a2']);
    expect(ids(await post({ filter: { field: 'provider', operator: 'eq', value: null } }))).toEqual(['a3']);
  });

  it('never leaves the caller\'s projects, even when the filter ORs another project in', async () => {
    const res = await post({ filter: { operator: 'OR', filters: [{ field: 'project_id', operator: 'eq', value: 'proj-b' }, { field: 'span_id', operator: 'eq', value: 'b1' }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual([]);
    const admin = await post({ filter: { field: 'span_id', operator: 'eq', value: 'b1' } }, await bearer({ role: 'admin' }));
    expect(ids(admin)).toEqual(['b1']);
  });

  it('needs read:traces', async () => {
    const res = await post({}, await bearer({ role: 'billing', projects: ['proj-a'] }));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('pages with a cursor and rejects tampered or reused cursors', async () => {
    const q = { sort_by: 'duration_ms', sort_desc: false, limit: 2, fields: ['span_id'] };
    const p1 = await post(q);
    expect(ids(p1)).toEqual(['a3', 'a1']);
    const cursor = p1.json().pagination.cursor as string;
    expect(p1.json().pagination.has_more).toBe(true);
    const p2 = await post({ ...q, cursor });
    expect(ids(p2)).toEqual(['a2', 'a4']);
    expect(p2.json().pagination).toMatchObject({ has_more: false, cursor: null });

    const [body, sig] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), k: "1; DROP TABLE llm_traces" })).toString('base64url');
    for (const bad of [`${forged}.${sig}`, 'not-a-cursor', `${body}.AAAA`, Buffer.from('{}').toString('base64url') + '.x']) {
      const res = await post({ ...q, cursor: bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.details).toEqual({ path: 'cursor' });
    }
    // Same cursor, another sort / filter / tenant: 400.
    expect((await post({ ...q, sort_desc: true, cursor })).statusCode).toBe(400);
    expect((await post({ ...q, filter: { field: 'provider', operator: 'eq', value: 'x' }, cursor })).statusCode).toBe(400);
    expect((await post({ ...q, cursor }, await bearer({ role: 'developer', projects: ['proj-a', 'proj-b'] }))).statusCode).toBe(400);
    // A different limit keeps paging the same result set.
    expect(ids(await post({ ...q, limit: 1, cursor }))).toEqual(['a2']);
  });

  describe('validation errors name the JSON path', () => {
    it.each([
      [{ filter: { operator: 'AND', filters: [{ field: 'provider', operator: 'eq', value: 'a' }, { field: 'DROP TABLE', operator: 'eq', value: 1 }] } }, 'filter.filters[1].field', 'INVALID_FILTER'],
      [{ filter: { field: 'duration_ms', operator: 'gt', value: 'slow' } }, 'filter.value', 'INVALID_FILTER'],
      [{ filter: { operator: 'NOT', filters: [] } }, 'filter.filters', 'INVALID_FILTER'],
      [{ fields: ['span_id', 'id'] }, 'fields[1]', 'INVALID_FIELD'],
      [{ fields: ['search_tsv'] }, 'fields[0]', 'INVALID_FIELD'],
      [{ sort_by: 'input_text' }, 'sort_by', 'INVALID_FIELD'],
      [{ sort_by: 'ts; DROP TABLE llm_traces' }, 'sort_by', 'INVALID_FIELD'],
      [{ from: 'last tuesday' }, 'from', 'INVALID_TIME_RANGE'],
      [{ filter: { field: 'provider', operator: 'regex', value: '(a' } }, 'filter.value', 'UNSUPPORTED_REGEX'],
    ])('%j', async (payload, path, code) => {
      const res = await post(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe(code);
      expect(res.json().error.details).toEqual({ path });
    });

    it.each([[{ limit: 0 }], [{ limit: 1001 }], [{ limit: 1.5 }], [{ limit: '100' }], [{ limit: -1 }], [{ unknown: 1 }], [{ filter: 'provider = 1' }], [{ fields: 'span_id' }]])(
      'top-level schema: %j',
      async (payload) => {
        const res = await post(payload);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('BAD_REQUEST');
      },
    );

    it('maps a regex PostgreSQL rejects to 400', async () => {
      const res = await post({ filter: { field: 'provider', operator: 'regex', value: 'a{2,1}' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('UNSUPPORTED_REGEX');
    });

    it('rejects a 10,000-deep NOT chain with 400', async () => {
      // Built as text: serializing it with JSON.stringify would overflow the test's own stack.
      const leafJson = '{"field":"provider","operator":"eq","value":"a"}';
      const payload = `{"filter":${'{"operator":"NOT","filters":['.repeat(10_000)}${leafJson}${']}'.repeat(10_000)}}`;
      const res = await app.inject({ method: 'POST', url: '/api/v1/traces/search', headers: { ...dev, 'content-type': 'application/json' }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.path).toMatch(/^filter(\.filters\[0\]){11}\.filters$/);
    });
  });
});

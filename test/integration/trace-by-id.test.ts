import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { insertSpans, span } from '../helpers/spans.js';

describeEachBackend('GET /api/v1/traces/:trace_id', (backend) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp(backend().driver);
    await insertSpans(backend().driver, [
      span({ trace_id: 'tr-1', span_id: 'root', ts: '2026-11-01T10:00:00.000Z', span_name: 'agent.run' }),
      span({ trace_id: 'tr-1', span_id: 'child-b', parent_span_id: 'root', ts: '2026-11-01T10:00:02.000Z' }),
      span({ trace_id: 'tr-1', span_id: 'child-a', parent_span_id: 'root', ts: '2026-11-01T10:00:01.000Z' }),
      span({ trace_id: 'tr-1', span_id: 'grandchild', parent_span_id: 'child-a', ts: '2026-11-01T10:00:01.500Z' }),
      span({ trace_id: 'tr-b', span_id: 'secret', project_id: 'proj-b', input_text: 'project B secret' }),
    ]);
  });
  afterAll(async () => app?.close());

  it('returns spans ordered by ts and the tree by parent_span_id', async () => {
    const res = await app.inject({ url: '/api/v1/traces/tr-1', headers: await bearer({ role: 'viewer', projects: ['proj-a'] }) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBeTruthy();
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.data.spans.map((s: { span_id: string }) => s.span_id)).toEqual(['root', 'child-a', 'grandchild', 'child-b']);
    expect(body.data.tree).toEqual([
      {
        span_id: 'root',
        span_name: 'agent.run',
        children: [
          { span_id: 'child-a', span_name: 'llm.chat.completion', children: [{ span_id: 'grandchild', span_name: 'llm.chat.completion', children: [] }] },
          { span_id: 'child-b', span_name: 'llm.chat.completion', children: [] },
        ],
      },
    ]);
    expect(body.data.spans[0].ts).toBe('2026-11-01T10:00:00.000Z');
    expect(body.data.spans[0].total_cost_usd).toBe(0.00006);
    expect(body.data.spans[0]).not.toHaveProperty('id');
    expect(body.data.spans[0]).not.toHaveProperty('search_tsv');
  });

  it('answers another tenant\'s trace with the same 404 as a missing one', async () => {
    const headers = await bearer({ role: 'viewer', projects: ['proj-a'] });
    const other = await app.inject({ url: '/api/v1/traces/tr-b', headers });
    const missing = await app.inject({ url: '/api/v1/traces/does-not-exist', headers });
    expect(other.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(other.json().error.code).toBe('NOT_FOUND');
    expect(other.body).not.toContain('secret');
  });

  it('lets admin read any project, and needs read:traces', async () => {
    const admin = await app.inject({ url: '/api/v1/traces/tr-b', headers: await bearer({ role: 'admin' }) });
    expect(admin.statusCode).toBe(200);
    const billing = await app.inject({ url: '/api/v1/traces/tr-1', headers: await bearer({ role: 'billing', projects: ['proj-a'] }) });
    expect(billing.statusCode).toBe(403);
    expect(billing.json().error.code).toBe('FORBIDDEN');
  });

  it('is 401 without a token', async () => {
    const res = await app.inject({ url: '/api/v1/traces/tr-1' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHORIZED');
  });
});

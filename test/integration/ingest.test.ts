import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend, TEST_POOL, truncateSpans } from '../helpers/backends.js';
import { span } from '../helpers/spans.js';

describeEachBackend('POST /api/v1/traces', (backend) => {
  let app: FastifyInstance;
  let dev: Record<string, string>;
  const db = () => backend().driver;
  const count = async () => (await db().query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces')).rows[0]!.n;
  const post = (payload: unknown, headers: Record<string, string> = dev) =>
    app.inject({ method: 'POST', url: '/api/v1/traces', headers, payload: payload as object });

  beforeAll(async () => {
    app = await buildTestApp(db());
    dev = await bearer({ role: 'developer', projects: ['proj-a'] });
  });
  afterAll(async () => app?.close());
  beforeEach(async () => truncateSpans(db()));

  it('stores a valid batch exactly, costs as exact decimals', async () => {
    const res = await post({
      spans: [
        span({ trace_id: 't1', span_id: 's1', prompt_cost_usd: '0.0000025', completion_cost_usd: 0.00001, total_cost_usd: null, total_tokens: null }),
        span({ trace_id: 't1', span_id: 's2', parent_span_id: 's1', tags: ['a', 'b c'], attributes: { user: { tier: 'pro' }, n: 3, ok: true } }),
      ],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toEqual({ accepted: 2, new: 2, duplicates: 0 });
    const rows = (
      await db().query<Record<string, unknown>>(
        `SELECT span_id, parent_span_id, total_tokens, prompt_cost_usd::text AS p, total_cost_usd::text AS t, tags, attributes
         FROM llm_traces ORDER BY span_id`,
      )
    ).rows;
    expect(rows[0]).toMatchObject({ span_id: 's1', parent_span_id: null, total_tokens: 15, p: '0.0000025000', t: '0.0000125000' });
    expect(rows[1]).toMatchObject({ span_id: 's2', parent_span_id: 's1', tags: ['a', 'b c'], attributes: { user: { tier: 'pro' }, n: 3, ok: true } });
  });

  it('accepts a bare array and is idempotent on re-send, counting duplicates', async () => {
    const batch = [span({ span_id: 'x1' }), span({ span_id: 'x2' }), span({ span_id: 'x3' })];
    const first = await post(batch);
    expect(first.statusCode).toBe(201);
    expect(first.json().data).toEqual({ accepted: 3, new: 3, duplicates: 0 });
    const again = await post(batch);
    expect(again.statusCode).toBe(200);
    expect(again.json().data).toEqual({ accepted: 3, new: 0, duplicates: 3 });
    const mixed = await post([...batch.slice(0, 1), span({ span_id: 'x4' }), span({ span_id: 'x4', trace_id: batch[0]!.trace_id })]);
    expect(mixed.json().data).toEqual({ accepted: 3, new: 2, duplicates: 1 });
    expect(await count()).toBe(5);
  });

  it('stores a span repeated inside one batch once, first occurrence winning', async () => {
    const s = span({ trace_id: 'dup', span_id: 'dup', model: 'first' });
    const res = await post([s, { ...s, model: 'second' }]);
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toEqual({ accepted: 2, new: 1, duplicates: 1 });
    expect((await db().query<{ model: string }>('SELECT model FROM llm_traces')).rows).toEqual([{ model: 'first' }]);
  });

  const invalidCases: [string, Record<string, unknown>, string][] = [
    ['negative duration', { duration_ms: -1 }, 'duration_ms'],
    ['fractional tokens', { prompt_tokens: 1.5 }, 'prompt_tokens'],
    ['missing trace_id', { trace_id: undefined }, 'trace_id'],
    ['unknown status', { status_code: 'FINE' }, 'status_code'],
    ['cost as float text with exponent', { total_cost_usd: '1e-3' }, 'total_cost_usd'],
    ['cost too large', { total_cost_usd: 1e12 }, 'total_cost_usd'],
    ['invalid date', { ts: '2026-02-30T00:00:00Z' }, 'ts'],
    ['timestamp without zone', { ts: '2026-02-01T00:00:00' }, 'ts'],
    ['tags not strings', { tags: ['a', 3] }, 'tags[1]'],
    ['attributes an array', { attributes: [1] }, 'attributes'],
    ['overlong id', { span_id: 'x'.repeat(257) }, 'span_id'],
    ['NUL in input text', { input_text: 'a\u0000b' }, 'input_text'],
    ['lone surrogate in output', { output_text: 'a\ud800b' }, 'output_text'],
    ['NUL inside attributes', { attributes: { deep: { v: 'x\u0000' } } }, 'attributes.deep.v'],
    ['unknown field', { duration: 5 }, 'duration'],
  ];
  for (const [name, override, field] of invalidCases) {
    it(`rejects the whole batch when one span has ${name}, naming spans[2].${field}`, async () => {
      const bad = { ...span(), ...override };
      const res = await post({ spans: [span(), span(), bad, span()] });
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.error.code).toBe('INVALID_SPAN');
      expect(body.error.message).toContain(`spans[2].${field}`);
      expect(body.error.details[0].path).toBe(`spans[2].${field}`);
      expect(await count()).toBe(0);
    });
  }

  it('rejects bodies of the wrong shape, empty batches and batches over INGEST_MAX_BATCH', async () => {
    expect((await post({ data: [span()] })).json().error.code).toBe('INVALID_BATCH');
    expect((await post([])).json().error.code).toBe('INVALID_BATCH');
    const text = await app.inject({ method: 'POST', url: '/api/v1/traces', headers: { ...dev, 'content-type': 'application/json' }, payload: '"hello"' });
    expect(text.statusCode).toBe(400);
    const small = await buildTestApp(db(), { INGEST_MAX_BATCH: '2' });
    const res = await small.inject({ method: 'POST', url: '/api/v1/traces', headers: dev, payload: [span(), span(), span()] });
    await small.close();
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('BATCH_TOO_LARGE');
    expect(await count()).toBe(0);
  });

  it('answers 413 for a body over BODY_LIMIT_BYTES', async () => {
    const small = await buildTestApp(db(), { BODY_LIMIT_BYTES: '4096' });
    const res = await small.inject({
      method: 'POST',
      url: '/api/v1/traces',
      headers: dev,
      payload: [span({ input_text: 'x'.repeat(5000) })],
    });
    await small.close();
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await count()).toBe(0);
  });

  it('writes a span without project_id to the single project of the token', async () => {
    const res = await post([{ ...span({ span_id: 'np' }), project_id: undefined }]);
    expect(res.statusCode).toBe(201);
    expect((await db().query('SELECT project_id FROM llm_traces')).rows).toEqual([{ project_id: 'proj-a' }]);
  });

  it('needs project_id when the token has several projects, and from admin', async () => {
    const multi = await bearer({ role: 'developer', projects: ['proj-a', 'proj-b'] });
    const res = await post([{ ...span(), project_id: undefined }], multi);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('spans[0].project_id');
    const admin = await bearer({ role: 'admin' });
    expect((await post([{ ...span(), project_id: undefined }], admin)).statusCode).toBe(400);
    expect((await post([span({ project_id: 'anything' })], admin)).statusCode).toBe(201);
    expect(await count()).toBe(1);
  });

  it('rejects a batch naming a project outside the token with 403 and writes nothing of it', async () => {
    const res = await post([span(), span({ project_id: 'proj-b' }), span()]);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    expect(res.json().error.message).toContain('spans[1].project_id');
    expect(await count()).toBe(0);
  });

  it('is 403 for a viewer and 401 without a token, writing nothing', async () => {
    const viewer = await bearer({ role: 'viewer', projects: ['proj-a'] });
    const res = await post([span()], viewer);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    expect((await post([span()], {})).statusCode).toBe(401);
    expect(await count()).toBe(0);
  });

  it('makes ingested spans readable by trace id', async () => {
    await post([span({ trace_id: 'rt', span_id: 'root', span_name: 'agent.run' }), span({ trace_id: 'rt', span_id: 'c', parent_span_id: 'root' })]);
    const res = await app.inject({ url: '/api/v1/traces/rt', headers: dev });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.tree[0].children[0].span_id).toBe('c');
  });
});

describe('POST /api/v1/traces with the database down', () => {
  it('answers 503 with Retry-After, never 400 or 500', async () => {
    // A real driver pointed at a port nothing listens on.
    const driver = new PostgresDriver({ url: 'postgres://postgres@127.0.0.1:1/none', pool: { ...TEST_POOL, acquireTimeoutMs: 2000 } });
    const app = await buildTestApp(driver);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/traces',
      headers: await bearer({ role: 'developer', projects: ['proj-a'] }),
      payload: [span()],
    });
    await app.close();
    await driver.close();
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('DATABASE_UNAVAILABLE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

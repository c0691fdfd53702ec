// POST /api/v1/metrics/query and GET /api/v1/metrics over real spans on both
// engines: values, the source planner (rollup and raw agree), fill, time
// zones, group-by of tags and attributes, permissions, tenant scope, limits
// and freshness (a span acknowledged by ingest is in the very next answer).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { insertSpanRecords } from '../../src/storage/span-writer.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend, truncateSpans } from '../helpers/backends.js';
import { toRecord } from '../helpers/span-records.js';
import { span, type SpanInput } from '../helpers/spans.js';

const H = (d: number, h: number, m = 0) => new Date(Date.UTC(2026, 9, d, h, m)).toISOString();

describeEachBackend('metrics query API', (backend) => {
  let app: FastifyInstance;
  let dev: Record<string, string>;
  let admin: Record<string, string>;

  const post = async (body: unknown, headers = dev) => app.inject({ method: 'POST', url: '/api/v1/metrics/query', headers, payload: body as object });
  const data = async (body: unknown, headers = dev) => {
    const res = await post(body, headers);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ data: Record<string, unknown>[]; meta: { source: string; segments: { source: string }[] }; pagination: { total: number } }>();
  };

  // Two days of spans in proj-a (and one in proj-b, invisible to dev).
  const spans = (): SpanInput[] => [
    span({ ts: H(10, 9, 5), model: 'gpt-4o', duration_ms: 100, ttft_ms: 10, total_cost_usd: '0.10', user_id: 'u1', tags: ['chat', 'rag'], attributes: { feature: 'qa' } }),
    span({ ts: H(10, 9, 50), model: 'gpt-4o', duration_ms: 300, ttft_ms: 30, total_cost_usd: '0.20', user_id: 'u2', tags: ['chat'], attributes: { feature: 'qa' } }),
    span({ ts: H(10, 11, 0), model: 'claude', provider: 'anthropic', duration_ms: 1000, ttft_ms: null, total_cost_usd: '1.5', status_code: 'ERROR', user_id: 'u1', tags: [], attributes: { feature: 'sum' } }),
    span({ ts: H(11, 23, 30), model: 'gpt-4o', duration_ms: 50, ttft_ms: 5, total_cost_usd: '0.000000001', environment: 'staging', user_id: 'u3', tags: ['rag'], attributes: {} }),
    span({ ts: H(10, 9, 5), project_id: 'proj-b', model: 'gpt-4o', duration_ms: 7, total_cost_usd: '100' }),
  ];

  beforeAll(async () => {
    app = await buildTestApp(backend().driver);
    dev = await bearer({ role: 'developer', projects: ['proj-a'] });
    admin = await bearer({ role: 'admin' });
  });
  afterAll(async () => app?.close());
  beforeEach(async () => {
    await truncateSpans(backend().driver);
    await insertSpanRecords(backend().driver, spans().map(toRecord));
  });

  const range = { from: H(10, 0), to: H(12, 0) };

  it('answers per hour and model from the hourly rollup, exactly', async () => {
    const res = await data({
      ...range,
      interval: '1h',
      group_by: ['model'],
      metrics: [
        { metric: 'request_count', alias: 'requests' },
        { metric: 'total_cost', aggregation: 'sum', alias: 'cost' },
        { metric: 'duration', aggregation: 'max', alias: 'max_ms' },
        { metric: 'error_rate', alias: 'errors' },
      ],
    });
    expect(res.meta.source).toBe('rollup_1h');
    expect(res.data).toEqual([
      { timestamp: H(10, 9), model: 'gpt-4o', requests: 2, cost: 0.3, max_ms: 300, errors: 0 },
      { timestamp: H(10, 11), model: 'claude', requests: 1, cost: 1.5, max_ms: 1000, errors: 1 },
      { timestamp: H(11, 23), model: 'gpt-4o', requests: 1, cost: 0.000000001, max_ms: 50, errors: 0 },
    ]);
  });

  it('gives the same numbers from raw rows when the filter needs them (meta.source says which)', async () => {
    const metrics = [
      { metric: 'request_count', alias: 'n' },
      { metric: 'total_cost', alias: 'cost' },
      { metric: 'duration', aggregation: 'avg', alias: 'avg_ms' },
      { metric: 'ttft', aggregation: 'min', alias: 'ttft_min' },
      { metric: 'success_rate', alias: 'ok' },
    ];
    const viaRollup = await data({ ...range, group_by: ['provider'], metrics });
    const viaRaw = await data({ ...range, group_by: ['provider'], metrics, filter: { field: 'duration_ms', operator: 'gte', value: 0 } });
    expect(viaRollup.meta.source).toBe('rollup_1d');
    expect(viaRaw.meta.source).toBe('raw');
    expect(viaRaw.data).toEqual(viaRollup.data);
    expect(viaRollup.data).toEqual([
      { provider: 'anthropic', n: 1, cost: 1.5, avg_ms: 1000, ttft_min: null, ok: 0 },
      { provider: 'openai', n: 3, cost: 0.300000001, avg_ms: 150, ttft_min: 5, ok: 1 },
    ]);
  });

  it('stitches unaligned edges from finer rollups and raw rows', async () => {
    const res = await data({ from: '2026-10-10T09:30:15.000Z', to: '2026-10-12T01:05:45.000Z', metrics: [{ metric: 'request_count', alias: 'n' }] });
    expect(res.meta.source).toBe('rollup_1d');
    // The day that holds `to` twice: its row, answering when no span follows `to` that day, and the finer stitching otherwise.
    expect(res.meta.segments.map((s) => s.source)).toEqual(['raw', 'rollup_1m', 'rollup_1h', 'rollup_1d', 'rollup_1d', 'rollup_1h', 'rollup_1m', 'raw']);
    expect(res.data).toEqual([{ n: 3 }]);
  });

  it('reads the open day that holds `to` only when no span follows `to` in it', async () => {
    const metrics = [{ metric: 'request_count', alias: 'n' }, { metric: 'total_cost', alias: 'cost' }];
    // The 23:30 span of day 11 lies after `to` in its day: the day row would count it, the stitching does not.
    const before = await data({ from: H(10, 0), to: H(11, 23, 0), metrics });
    expect(before.data).toEqual([{ n: 3, cost: 1.8 }]);
    // Nothing after 23:45 that day: the day row answers, exactly as the stitching would.
    const after = await data({ from: H(10, 0), to: H(11, 23, 45), metrics });
    expect(after.data).toEqual([{ n: 4, cost: 1.800000001 }]);
    const guarded = (after.meta.segments as { source: string; guard?: { when: string; from: string; to: string } }[]).filter((s) => s.guard);
    expect(guarded[0]).toEqual({ source: 'rollup_1d', table: 'llm_rollup_project_1d', from: H(11, 0), to: H(12, 0), guard: { when: 'empty', from: H(11, 23, 45), to: H(12, 0) } });
    expect(guarded.slice(1).every((s) => s.guard!.when === 'present')).toBe(true);
  });

  it('computes percentiles from histograms within 1 % and exactly on raw rows', async () => {
    const metrics = [{ metric: 'duration', aggregation: 'p50', alias: 'p50' }, { metric: 'duration', aggregation: 'p99', alias: 'p99' }];
    const hist = await data({ ...range, metrics });
    const raw = await data({ ...range, metrics, filter: { field: 'content', operator: 'search', value: '-zzzz' } });
    expect(raw.meta.source).toBe('raw');
    expect(raw.data).toEqual([{ p50: 100, p99: 1000 }]);
    expect(hist.meta.source).toBe('rollup_1d');
    expect(Math.abs((hist.data[0]!.p50 as number) - 100) / 100).toBeLessThan(0.01);
    expect(Math.abs((hist.data[0]!.p99 as number) - 1000) / 1000).toBeLessThan(0.01);
  });

  it('groups by tags and attribute paths, counts unique users, on raw rows', async () => {
    const byTag = await data({ ...range, group_by: ['tags'], metrics: [{ metric: 'request_count', alias: 'n' }, { metric: 'unique_users', alias: 'users' }] });
    expect(byTag.meta.source).toBe('raw');
    expect(byTag.data).toEqual([
      { tags: 'chat', n: 2, users: 2 },
      { tags: 'rag', n: 2, users: 2 },
      { tags: null, n: 1, users: 1 },
    ]);
    const byFeature = await data({ ...range, group_by: ['attributes.feature'], metrics: [{ metric: 'request_count', alias: 'n' }] });
    expect(byFeature.data).toEqual([
      { 'attributes.feature': 'qa', n: 2 },
      { 'attributes.feature': 'sum', n: 1 },
      { 'attributes.feature': null, n: 1 },
    ]);
  });

  it('fills empty buckets with zero or null', async () => {
    const body = { from: H(10, 9), to: H(10, 12), interval: '1h', metrics: [{ metric: 'request_count', alias: 'n' }, { metric: 'duration', aggregation: 'avg', alias: 'ms' }] };
    expect((await data({ ...body, fill: 'zero' })).data).toEqual([
      { timestamp: H(10, 9), n: 2, ms: 200 },
      { timestamp: H(10, 10), n: 0, ms: 0 },
      { timestamp: H(10, 11), n: 1, ms: 1000 },
    ]);
    expect((await data({ ...body, fill: 'null' })).data[1]).toEqual({ timestamp: H(10, 10), n: null, ms: null });
    expect((await data(body)).data).toHaveLength(2);
  });

  it('buckets days in the requested time zone', async () => {
    const body = { ...range, interval: '1d', metrics: [{ metric: 'request_count', alias: 'n' }] };
    expect((await data(body)).data).toEqual([
      { timestamp: H(10, 0), n: 3 },
      { timestamp: H(11, 0), n: 1 },
    ]);
    // 23:30 UTC on the 11th is the 12th in Tokyo (UTC+9); 09:05 UTC on the 10th is still the 10th.
    const tokyo = await data({ ...body, time_zone: 'Asia/Tokyo' });
    expect(tokyo.meta.source).toBe('rollup_1h');
    expect(tokyo.data).toEqual([
      { timestamp: '2026-10-09T15:00:00.000Z', n: 3 },
      { timestamp: '2026-10-11T15:00:00.000Z', n: 1 },
    ]);
    // Half-hour offsets do not line up with hours: minute rollups answer.
    expect((await data({ ...body, time_zone: 'Asia/Kolkata' })).meta.source).toBe('rollup_1m');
  });

  it('applies having, sort_by and limit', async () => {
    const res = await data({
      ...range,
      group_by: ['model'],
      metrics: [{ metric: 'request_count', alias: 'n' }, { metric: 'total_cost', alias: 'cost' }],
      having: [{ alias: 'n', operator: 'gte', value: 1 }],
      sort_by: 'cost',
      limit: 1,
    });
    expect(res.data).toEqual([{ model: 'claude', n: 1, cost: 1.5 }]);
    expect(res.pagination.total).toBe(2);
    const few = await data({ ...range, group_by: ['model'], metrics: [{ metric: 'request_count', alias: 'n' }], having: [{ alias: 'n', operator: 'gt', value: 2 }] });
    expect(few.data).toEqual([{ model: 'gpt-4o', n: 3 }]);
  });

  it('serves the GET shorthand with the same answer', async () => {
    const url = `/api/v1/metrics?metrics=request_count,total_cost:sum:cost&group_by=model&from=${range.from}&to=${range.to}&provider=openai`;
    const res = await app.inject({ method: 'GET', url, headers: dev });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toEqual([{ model: 'gpt-4o', request_count: 3, cost: 0.300000001 }]);
  });

  it('keeps tenants apart and checks permissions', async () => {
    const body = { ...range, metrics: [{ metric: 'total_cost', alias: 'cost' }] };
    expect((await data(body)).data).toEqual([{ cost: 1.800000001 }]);
    expect((await data(body, admin)).data).toEqual([{ cost: 101.800000001 }]);
    expect((await post(body, await bearer({ role: 'billing', projects: ['proj-a'] }))).json().error.code).toBe('FORBIDDEN');
    const other = await app.inject({ method: 'GET', url: '/api/v1/metrics?metrics=request_count&project_id=proj-b', headers: dev });
    expect(other.statusCode).toBe(403);
    expect((await post(body, {})).statusCode).toBe(401);
  });

  it('rejects what it cannot answer with a 400 naming the problem', async () => {
    const code = async (body: unknown) => (await post(body)).json().error.code;
    expect(await code({ interval: '1m', from: 'now-8d', metrics: [{ metric: 'request_count' }] })).toBe('METRICS_RANGE_TOO_LONG');
    expect(await code({ interval: '1h', from: 'now-500d', metrics: [{ metric: 'request_count' }] })).toBe('METRICS_TOO_MANY_POINTS');
    expect(await code({ metrics: [{ metric: 'tokens' }] })).toBe('BAD_REQUEST');
    expect(await code({ metrics: [{ metric: 'error_rate', aggregation: 'p95' }] })).toBe('BAD_REQUEST');
    expect(await code({ metrics: [{ metric: 'request_count' }], group_by: ['input_text'] })).toBe('BAD_REQUEST');
    expect(await code({ metrics: [{ metric: 'request_count' }], filter: { field: 'nope', operator: 'eq', value: 1 } })).toBe('INVALID_FILTER');
    expect(await code({ metrics: [{ metric: 'request_count' }], interval: '2h' })).toBe('BAD_REQUEST');
    expect(await code({ metrics: [{ metric: 'request_count' }], time_zone: 'Mars/Olympus' })).toBe('BAD_REQUEST');
    expect(await code({ metrics: [{ metric: 'request_count', alias: 'x' }, { metric: 'error_count', alias: 'x' }] })).toBe('BAD_REQUEST');
    expect(await code({ metrics: [{ metric: 'request_count' }], from: 'now', to: 'now-1h' })).toBe('BAD_REQUEST');
  });

  it('refuses more series than the limit', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => toRecord(span({ ts: H(10, 10), user_id: `many-${i}` })));
    await insertSpanRecords(backend().driver, many);
    const res = await post({ ...range, interval: '1d', group_by: ['user_id'], metrics: [{ metric: 'request_count' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('METRICS_TOO_MANY_SERIES');
  });

  it('sees a span acknowledged by ingest in the next answer, and forgets a deleted one', async () => {
    const body = { from: 'now-1h', metrics: [{ metric: 'request_count', alias: 'n' }, { metric: 'total_cost', alias: 'cost' }] };
    expect((await data(body)).data).toEqual([]);
    const fresh = span({ ts: new Date(Date.now() - 60_000).toISOString(), total_cost_usd: '0.25' });
    const ack = await app.inject({ method: 'POST', url: '/api/v1/traces', headers: dev, payload: [fresh] });
    expect(ack.statusCode, ack.body).toBeLessThan(300);
    // Re-sent: stored and counted once.
    await app.inject({ method: 'POST', url: '/api/v1/traces', headers: dev, payload: [fresh] });
    const after = await data(body);
    expect(after.meta.source).not.toBe('raw');
    expect(after.data).toEqual([{ n: 1, cost: 0.25 }]);
    await backend().driver.query('DELETE FROM llm_traces WHERE span_id = $1', [fresh.span_id]);
    expect((await data(body)).data).toEqual([]);
  });
});

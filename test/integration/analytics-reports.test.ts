// The analytics and cost reports over a small hand-computed fixture, on both
// engines: exact money, weighted averages, percentiles (exact on raw rows,
// within 1 % from the rollup histograms), empty ranges, a single bucket,
// tenant isolation, permissions per role, paging, ETag/304, POST filters.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { insertSpanRecords } from '../../src/storage/span-writer.js';
import { toRecord } from '../helpers/span-records.js';
import { span, type SpanInput } from '../helpers/spans.js';

const D1 = '2026-10-05';
const D2 = '2026-10-06';
const at = (day: string, hm: string) => `${day}T${hm}:00.000Z`;
const RANGE = `from=${D1}T00:00:00Z&to=2026-10-07T00:00:00Z`;
const TIMEOUT_30 = 'Request timed out after 30000 ms';
const TIMEOUT_60 = 'Request timed out after 60000 ms';

/** Six spans of proj-a over two days (the hand computations below read them) and one big spend in proj-b. */
function fixture(): SpanInput[] {
  const base = { tags: [], attributes: {}, session_id: null };
  return [
    span({ ...base, span_id: 's1', trace_id: 't1', ts: at(D1, '10:00'), provider: 'openai', model: 'gpt-4o', duration_ms: 100, ttft_ms: 10, total_cost_usd: '0.1000000001', prompt_cost_usd: '0.0400000001', completion_cost_usd: '0.06', prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, status_code: 'OK', user_id: 'u1', environment: 'production', span_name: 'chat', tags: ['vip'], attributes: { feature: 'qa' } }),
    span({ ...base, span_id: 's2', trace_id: 't2', ts: at(D1, '10:30'), provider: 'openai', model: 'gpt-4o', duration_ms: 200, ttft_ms: 20, total_cost_usd: '0.2', prompt_cost_usd: '0.08', completion_cost_usd: '0.12', prompt_tokens: 200, completion_tokens: 100, total_tokens: 300, status_code: 'OK', user_id: 'u2', environment: 'production', span_name: 'chat', attributes: { feature: 'qa' } }),
    span({ ...base, span_id: 's3', trace_id: 't3', ts: at(D1, '11:00'), provider: 'openai', model: 'gpt-4o-mini', duration_ms: 300, ttft_ms: 30, total_cost_usd: '0.0300000002', prompt_cost_usd: '0.01', completion_cost_usd: '0.0200000002', prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, status_code: 'ERROR', error_message: TIMEOUT_30, user_id: 'u1', environment: 'staging', span_name: 'chat', attributes: { feature: 7 } }),
    span({ ...base, span_id: 's4', trace_id: 't4', ts: at(D2, '09:00'), provider: 'anthropic', model: 'claude-3', duration_ms: 400, ttft_ms: 40, total_cost_usd: '0.3', prompt_cost_usd: '0.1', completion_cost_usd: '0.2', prompt_tokens: 300, completion_tokens: 100, total_tokens: 400, status_code: 'OK', user_id: 'u3', environment: 'production', span_name: 'summarize', tags: ['vip'] }),
    span({ ...base, span_id: 's5', trace_id: 't4', ts: at(D2, '09:05'), provider: 'anthropic', model: 'claude-3', duration_ms: 1000, ttft_ms: null, total_cost_usd: '0.4', prompt_cost_usd: '0.15', completion_cost_usd: '0.25', prompt_tokens: 400, completion_tokens: 100, total_tokens: 500, status_code: 'ERROR', error_message: TIMEOUT_60, user_id: 'u3', environment: 'production', span_name: 'summarize' }),
    span({ ...base, span_id: 's6', trace_id: 't6', ts: at(D2, '12:00'), provider: 'openai', model: 'gpt-4o-mini', duration_ms: 500, ttft_ms: 50, total_cost_usd: null, prompt_cost_usd: null, completion_cost_usd: null, prompt_tokens: null, completion_tokens: null, total_tokens: null, status_code: 'UNSET', user_id: null, environment: 'production', span_name: 'tool' }),
    span({ ...base, span_id: 's7', trace_id: 't7', project_id: 'proj-b', ts: at(D1, '10:00'), provider: 'openai', model: 'gpt-4o', duration_ms: 50, total_cost_usd: '99.5', user_id: 'u1' }),
  ];
}

/** Relative distance; percentiles from the histograms are within 1 % of the exact value. */
const within1pct = (got: number, want: number) => expect(Math.abs(got - want) / want).toBeLessThan(0.01);

describeEachBackend('analytics and cost reports', (backend) => {
  let app: FastifyInstance;
  let dev: Record<string, string>;
  let billing: Record<string, string>;
  let other: Record<string, string>;

  const get = (path: string, headers = dev) => app.inject({ url: `/api/v1${path}`, headers });
  // One batch per call through the ingest writer (its triggers keep the rollups).
  const store = (spans: SpanInput[]) => insertSpanRecords(backend().driver, spans.map(toRecord));
  const ok = async (path: string, headers = dev) => {
    const res = await get(path, headers);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    await store(fixture());
    app = await buildTestApp(backend().driver);
    dev = await bearer({ role: 'developer', projects: ['proj-a'] });
    billing = await bearer({ role: 'billing', projects: ['proj-a'] });
    other = await bearer({ role: 'developer', projects: ['proj-c'] });
  });
  afterAll(async () => app?.close());

  it('performance: weighted averages, min/max, percentiles, throughput, tokens per second', async () => {
    const body = await ok(`/analytics/performance?${RANGE}&granularity=1d`);
    const d = body.data;
    expect(body.meta.source).toBe('rollup_1d');
    expect(d.request_count).toBe(6);
    expect(d.avg_latency_ms).toBeCloseTo(2500 / 6, 9);
    expect([d.min_latency_ms, d.max_latency_ms]).toEqual([100, 1000]);
    within1pct(d.p50_latency_ms, 300);
    within1pct(d.p95_latency_ms, 1000);
    expect(d.avg_ttft_ms).toBe(30);
    within1pct(d.p50_ttft_ms, 30);
    expect(d.throughput_rps).toBeCloseTo(6 / 172_800, 12);
    // 400 completion tokens over 2500 ms of spans.
    expect(d.tokens_per_second).toBeCloseTo(160, 9);
    expect(d.time_series.map((p: { timestamp: string; request_count: number; avg_latency_ms: number }) => [p.timestamp, p.request_count, p.avg_latency_ms])).toEqual([
      [at(D1, '00:00'), 3, 200],
      [at(D2, '00:00'), 3, 1900 / 3],
    ]);
  });

  it('performance: exact percentiles on raw rows (POST with a filter the rollups cannot answer)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/analytics/performance',
      headers: dev,
      payload: { from: `${D1}T00:00:00Z`, to: '2026-10-07T00:00:00Z', filter: { field: 'user_id', operator: 'ne', value: 'nobody' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json().data;
    expect(res.json().meta.source).toBe('raw');
    expect([d.p50_latency_ms, d.p95_latency_ms, d.p99_latency_ms]).toEqual([300, 1000, 1000]);
    expect([d.p50_ttft_ms, d.p95_ttft_ms]).toEqual([30, 50]);
  });

  it('performance: percentiles of a known distribution (1..100 ms), exact on raw rows, within 1 % from rollups', async () => {
    const spans = Array.from({ length: 100 }, (_, i) =>
      span({ span_id: `p${i}`, trace_id: `p${i}`, project_id: 'proj-p', ts: new Date(Date.UTC(2026, 8, 10, 8, i % 60)).toISOString(), duration_ms: i + 1, ttft_ms: 2 * (i + 1) }),
    );
    await store(spans);
    const who = await bearer({ role: 'viewer', projects: ['proj-p'] });
    const range = { from: '2026-09-10T00:00:00Z', to: '2026-09-11T00:00:00Z' };
    const viaRollup = (await ok(`/analytics/performance?from=${range.from}&to=${range.to}`, who)).data;
    const raw = await app.inject({ method: 'POST', url: '/api/v1/analytics/performance', headers: who, payload: { ...range, filter: { field: 'user_id', operator: 'ne', value: 'nobody' } } });
    const exact = raw.json().data;
    expect([exact.p50_latency_ms, exact.p95_latency_ms, exact.p99_latency_ms]).toEqual([50, 95, 99]);
    expect([exact.p50_ttft_ms, exact.p95_ttft_ms, exact.p99_ttft_ms]).toEqual([100, 190, 198]);
    expect(exact.avg_latency_ms).toBe(50.5);
    within1pct(viaRollup.p50_latency_ms, 50);
    within1pct(viaRollup.p95_latency_ms, 95);
    within1pct(viaRollup.p99_latency_ms, 99);
    within1pct(viaRollup.p95_ttft_ms, 190);
    expect(viaRollup.avg_latency_ms).toBe(50.5);
  });

  it('performance: an empty range and a single bucket', async () => {
    const empty = (await ok('/analytics/performance?from=2026-01-01T00:00:00Z&to=2026-01-01T03:00:00Z&granularity=1h')).data;
    expect(empty.request_count).toBe(0);
    expect(empty.avg_latency_ms).toBeNull();
    expect(empty.p95_latency_ms).toBeNull();
    expect(empty.tokens_per_second).toBeNull();
    expect(empty.time_series).toHaveLength(3);
    expect(empty.time_series.every((p: { request_count: number }) => p.request_count === 0)).toBe(true);
    const one = (await ok(`/analytics/performance?from=${D2}T00:00:00Z&to=2026-10-07T00:00:00Z&granularity=1d`)).data;
    expect(one.time_series).toHaveLength(1);
    expect(one.time_series[0].request_count).toBe(3);
  });

  it('quality: rates in 0..1, breakdown by status, normalized error messages', async () => {
    const d = (await ok(`/analytics/quality?${RANGE}&granularity=1d`)).data;
    expect([d.request_count, d.success_count, d.error_count, d.unset_count]).toEqual([6, 3, 2, 1]);
    expect(d.success_rate).toBe(0.5);
    expect(d.error_rate).toBeCloseTo(2 / 6, 12);
    expect(d.by_status).toEqual([
      { status_code: 'OK', count: 3, share: 0.5 },
      { status_code: 'ERROR', count: 2, share: 2 / 6 },
      { status_code: 'UNSET', count: 1, share: 1 / 6 },
    ]);
    expect(d.top_errors).toEqual([
      { message: 'Request timed out after <n> ms', sample_message: TIMEOUT_60, count: 2, share: 1, affected_users: 2, last_seen: at(D2, '09:05') },
    ]);
    expect(d.time_series.map((p: { error_rate: number }) => p.error_rate)).toEqual([1 / 3, 1 / 3]);
  });

  it('models compare: per-model figures and the picks with their evidence', async () => {
    const d = (await ok(`/analytics/models/compare?${RANGE}&models=gpt-4o,claude-3,no-such-model`)).data;
    const [gpt, claude, none] = d.models;
    expect(gpt).toMatchObject({ model: 'gpt-4o', request_count: 2, success_rate: 1, avg_latency_ms: 150, total_cost: 0.3000000001, total_tokens: 450 });
    expect(gpt.avg_cost_per_request).toBeCloseTo(0.15000000005, 12);
    expect(gpt.cost_per_1k_tokens).toBeCloseTo(0.3000000001 / 0.45, 12);
    expect(claude).toMatchObject({ model: 'claude-3', request_count: 2, success_rate: 0.5, avg_latency_ms: 700, total_cost: 0.7 });
    expect(none).toMatchObject({ model: 'no-such-model', request_count: 0, total_cost: 0, avg_cost_per_request: null });
    expect(d.summary.fastest.model).toBe('gpt-4o');
    expect(d.summary.cheapest).toEqual({ model: 'gpt-4o', metric: 'avg_cost_per_request', value: gpt.avg_cost_per_request });
    expect(d.summary.most_reliable).toEqual({ model: 'gpt-4o', metric: 'success_rate', value: 1 });
    const bad = await get(`/analytics/models/compare?${RANGE}&models=gpt-4o`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('COMPARE_MODEL_COUNT');
  });

  it('costs summary: exact money, shares, day-over-day change, trends, top traces, no other tenant', async () => {
    const d = (await ok(`/costs/summary?${RANGE}`)).data;
    expect(d.overview).toMatchObject({ total_cost: 1.0300000003, prompt_cost: 0.3800000001, completion_cost: 0.6500000002, request_count: 6, total_tokens: 1500 });
    expect(d.overview.cost_per_1k_tokens).toBeCloseTo(1.0300000003 / 1.5, 12);
    expect(d.overview.day_over_day_change).toBeCloseTo(0.7 / 0.3300000003 - 1, 12);
    expect(d.overview.week_over_week_change).toBeNull();
    expect(d.by_provider.map((b: { value: string; total_cost: number }) => [b.value, b.total_cost])).toEqual([
      ['anthropic', 0.7],
      ['openai', 0.3300000003],
    ]);
    expect(d.by_provider[0].share).toBeCloseTo(0.7 / 1.0300000003, 12);
    expect(d.by_model.map((b: { value: string; total_cost: number }) => [b.value, b.total_cost])).toEqual([
      ['claude-3', 0.7],
      ['gpt-4o', 0.3000000001],
      ['gpt-4o-mini', 0.0300000002],
    ]);
    expect(d.by_environment.map((b: { value: string; total_cost: number }) => [b.value, b.total_cost])).toEqual([
      ['production', 1.0000000001],
      ['staging', 0.0300000002],
    ]);
    expect(d.by_project).toEqual([expect.objectContaining({ value: 'proj-a', total_cost: 1.0300000003, share: 1 })]);
    expect(d.daily_trend.points.map((p: { total_cost: number }) => p.total_cost)).toEqual([0.3300000003, 0.7]);
    expect(d.top_traces.map((t: { trace_id: string; total_cost: number; span_count: number }) => [t.trace_id, t.total_cost, t.span_count])).toEqual([
      ['t4', 0.7, 2],
      ['t2', 0.2, 1],
      ['t1', 0.1000000001, 1],
      ['t3', 0.0300000002, 1],
    ]);
    const alias = (await ok(`/analytics/costs?${RANGE}`)).data;
    expect(alias).toEqual(d);
    const outsider = (await ok(`/costs/summary?${RANGE}`, other)).data;
    expect(outsider.overview.total_cost).toBe(0);
    expect(outsider.top_traces).toEqual([]);
  });

  it('costs attribution: per user with splits, min_cost, keyset paging to the end', async () => {
    const p1 = await ok(`/costs/attribution?${RANGE}&dimension=user&limit=2`);
    expect(p1.data.total_cost).toBe(1.0300000003);
    expect(p1.data.items.map((i: { value: string; total_cost: number }) => [i.value, i.total_cost])).toEqual([
      ['u3', 0.7],
      ['u2', 0.2],
    ]);
    expect(p1.data.items[0].by_provider).toEqual([{ value: 'anthropic', total_cost: 0.7, request_count: 2, share: 1 }]);
    // The page's figures are read for its own values after the ranking: they belong to the ranked value.
    for (const item of p1.data.items) {
      const splitRequests = item.by_provider.reduce((n: number, s: { request_count: number }) => n + s.request_count, 0);
      expect(item.request_count).toBe(splitRequests);
      expect(item.prompt_cost + item.completion_cost).toBeCloseTo(item.total_cost, 9);
      expect(item.avg_cost_per_request).toBeCloseTo(item.total_cost / item.request_count, 9);
    }
    expect(p1.data.items[0].request_count).toBe(2);
    expect(p1.pagination).toMatchObject({ has_more: true, limit: 2, total: 4 });
    const p2 = await ok(`/costs/attribution?${RANGE}&dimension=user&limit=2&cursor=${encodeURIComponent(p1.pagination.cursor)}`);
    expect(p2.data.items.map((i: { value: string | null; total_cost: number }) => [i.value, i.total_cost])).toEqual([
      ['u1', 0.1300000003],
      [null, 0],
    ]);
    expect(p2.data.items[0].by_model.map((s: { value: string; total_cost: number }) => [s.value, s.total_cost])).toEqual([
      ['gpt-4o', 0.1000000001],
      ['gpt-4o-mini', 0.0300000002],
    ]);
    expect(p2.pagination.has_more).toBe(false);
    const min = await ok(`/costs/attribution?${RANGE}&dimension=user&min_cost=0.15`);
    expect(min.data.items.map((i: { value: string }) => i.value)).toEqual(['u3', 'u2']);
    expect(min.pagination.total).toBe(2);
    const tampered = await get(`/costs/attribution?${RANGE}&dimension=model&limit=2&cursor=${encodeURIComponent(p1.pagination.cursor)}`);
    expect(tampered.statusCode).toBe(400);
    const bad = await get(`/costs/attribution?${RANGE}&dimension=colour`);
    expect(bad.json().error.code).toBe('ATTRIBUTION_DIMENSION_INVALID');
  });

  it('costs attribution: by tag and by attribute path (raw rows), and the breakdown alias', async () => {
    const tags = await ok(`/costs/attribution?${RANGE}&dimension=tag`);
    expect(tags.meta.source).toBe('raw');
    expect(tags.data.items.map((i: { value: string | null; total_cost: number }) => [i.value, i.total_cost])).toEqual([
      [null, 0.6300000002],
      ['vip', 0.4000000001],
    ]);
    const feature = await ok(`/costs/attribution?${RANGE}&dimension=attributes.feature`);
    const rows = feature.data.items.map((i: { value: string | null; total_cost: number; by_model: { value: string }[] }) => [i.value, i.total_cost, i.by_model.map((m) => m.value)]);
    expect(rows).toEqual([
      [null, 0.7, ['claude-3', 'gpt-4o-mini']],
      ['qa', 0.3000000001, ['gpt-4o']],
      ['7', 0.0300000002, ['gpt-4o-mini']],
    ]);
    const byModel = await ok(`/costs/attribution?${RANGE}&dimension=model`);
    expect(byModel.meta.source).toBe('rollup_1d');
    expect((await ok(`/analytics/costs/breakdown?${RANGE}&dimension=model`)).data).toEqual(byModel.data);
  });

  it('metrics summary: current vs previous period, top items, common errors', async () => {
    const d = (await ok(`/metrics/summary?from=${D2}T00:00:00Z&to=2026-10-07T00:00:00Z`)).data;
    expect(d.previous_period).toEqual({ from: `${D1}T00:00:00.000Z`, to: `${D2}T00:00:00.000Z` });
    expect(d.current).toMatchObject({ request_count: 3, error_count: 1, total_cost: 0.7, unique_users: 1 });
    expect(d.previous).toMatchObject({ request_count: 3, error_count: 1, total_cost: 0.3300000003, unique_users: 2 });
    expect(d.change.request_count).toBe(0);
    expect(d.change.unique_users).toBe(-0.5);
    expect(d.change.total_cost).toBeCloseTo(0.7 / 0.3300000003 - 1, 12);
    expect(d.top_items.by_cost).toEqual([{ model: 'claude-3', value: 0.7 }]);
    expect(d.top_items.by_requests).toEqual([
      { model: 'claude-3', value: 2 },
      { model: 'gpt-4o-mini', value: 1 },
    ]);
    expect(d.top_errors.map((e: { message: string; count: number }) => [e.message, e.count])).toEqual([['Request timed out after <n> ms', 1]]);
  });

  it('optimization: a cheaper model for the same span name, with its saving, and a score', async () => {
    // 30 calls each of two models for one span name: b costs a tenth of a and succeeds as often.
    const day = '2026-09-01';
    const spans: SpanInput[] = [];
    for (let i = 0; i < 30; i++) {
      const ts = at(day, `1${Math.floor(i / 10)}:${String(i % 10).padStart(2, '0')}`);
      spans.push(span({ span_id: `oa${i}`, trace_id: `oa${i}`, project_id: 'proj-o', ts, span_name: 'classify', provider: 'openai', model: 'big', total_cost_usd: '0.01', duration_ms: 100 }));
      spans.push(span({ span_id: `ob${i}`, trace_id: `ob${i}`, project_id: 'proj-o', ts, span_name: 'classify', provider: 'openai', model: 'small', total_cost_usd: '0.001', duration_ms: 100 }));
    }
    await store(spans);
    const who = await bearer({ role: 'developer', projects: ['proj-o'] });
    const d = (await ok(`/analytics/optimization?from=${day}T00:00:00Z&to=2026-09-02T00:00:00Z`, who)).data;
    const sw = d.items.filter((i: { type: string }) => i.type === 'model_switch');
    expect(sw).toHaveLength(1);
    expect(sw[0].evidence).toMatchObject({ model: 'big', alternative_model: 'small', span_name: 'classify', request_count: 30 });
    // (0.01 - 0.001) x 30 calls a day, over 30 days.
    expect(sw[0].impact.estimated_monthly_saving_usd).toBeCloseTo(8.1, 9);
    expect(sw[0].priority).toBe('high');
    // saving share 8.1 / 9.9 of the projected monthly cost, weight 0.4.
    expect(d.score).toBe(Math.round(100 * (1 - 0.4 * (8.1 / 9.9))));
  });

  it('costs forecast: whole-day history, a seasonal model, intervals, totals and its backtest', async () => {
    // One span a day for six weeks: a rising trend with quiet weekends.
    const week = [3, 3.2, 3.1, 3.3, 2.8, -7, -8.4];
    const start = Date.UTC(2026, 7, 3); // a Monday
    const spans = Array.from({ length: 42 }, (_, t) =>
      span({ span_id: `f${t}`, trace_id: `f${t}`, project_id: 'proj-f', ts: new Date(start + t * 86_400_000 + 12 * 3_600_000).toISOString(), total_cost_usd: (10 + 0.1 * t + week[t % 7]!).toFixed(4) }),
    );
    await store(spans);
    const who = await bearer({ role: 'billing', projects: ['proj-f'] });
    // The range starts and ends mid-day: only the 41 whole days between count.
    const body = await ok(`/costs/forecast?from=2026-08-03T06:00:00Z&to=2026-09-14T06:00:00Z&days=10`, who);
    const d = body.data;
    expect(d.model).toBe('holt_winters_additive');
    expect(d.history).toHaveLength(41);
    expect(d.history[0]).toEqual({ date: '2026-08-04', total_cost: 10.1 + 3.2 });
    expect(d.forecast).toHaveLength(10);
    expect(d.forecast[0].date).toBe('2026-09-14');
    for (const p of d.forecast) expect(p.lower <= p.total_cost && p.total_cost <= p.upper).toBe(true);
    // Monday 2026-09-14 (t = 42) vs Saturday 2026-09-19 (t = 47): the weekly season carries on.
    expect(d.forecast[0].total_cost).toBeGreaterThan(d.forecast[5].total_cost + 5);
    expect(d.projected_totals.next_7_days).toBeCloseTo(d.forecast.slice(0, 7).reduce((s: number, p: { total_cost: number }) => s + p.total_cost, 0), 6);
    expect(d.backtest.horizon_days).toBe(14);
    expect(d.backtest.mape).toBeLessThan(d.backtest.baseline_mape);
    const empty = (await ok('/costs/forecast?from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z', who)).data;
    expect(empty.history.map((h: { total_cost: number }) => h.total_cost)).toEqual([0, 0]);
    expect(empty.backtest).toBeNull();
  });

  it('permissions: billing reads costs only; analytics with money need read:costs', async () => {
    expect((await get(`/costs/summary?${RANGE}`, billing)).statusCode).toBe(200);
    expect((await get(`/costs/forecast?${RANGE}`, billing)).statusCode).toBe(200);
    expect((await get(`/costs/attribution?${RANGE}`, billing)).statusCode).toBe(200);
    for (const path of ['/analytics/performance', '/analytics/quality', '/metrics/summary', '/analytics/optimization']) {
      expect((await get(`${path}?${RANGE}`, billing)).statusCode, path).toBe(403);
    }
    const viewer = await bearer({ role: 'viewer', projects: ['proj-a'] });
    expect((await get(`/analytics/optimization?${RANGE}`, viewer)).statusCode).toBe(200);
    expect((await get(`/costs/summary?${RANGE}&project_id=proj-b`)).statusCode).toBe(403);
  });

  it('sends a strong ETag and answers 304 to If-None-Match', async () => {
    const first = await get(`/analytics/quality?${RANGE}`);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await get(`/analytics/quality?${RANGE}`, { ...dev, 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const changed = await get(`/analytics/quality?${RANGE}&granularity=1d`, { ...dev, 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
  });

  it('lists every report in the OpenAPI document with its response schema', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const paths = [
      '/api/v1/analytics/performance', '/api/v1/analytics/quality', '/api/v1/analytics/models/compare', '/api/v1/analytics/optimization',
      '/api/v1/metrics/summary', '/api/v1/costs/summary', '/api/v1/costs/attribution', '/api/v1/costs/forecast',
      '/api/v1/analytics/costs', '/api/v1/analytics/costs/breakdown',
    ];
    for (const p of paths) {
      const ok200 = doc.paths[p]?.get?.responses?.['200'];
      expect(ok200, p).toBeDefined();
      expect(JSON.stringify(ok200), p).toContain('"source"');
      expect(doc.paths[p].post, p).toBeDefined();
    }
  });

  it('rejects unknown parameters and bad values with a 400', async () => {
    for (const qs of ['nope=1', 'from=yesterday', 'granularity=2h', 'top=0', 'top=abc']) {
      const res = await get(`/analytics/quality?${qs}`);
      expect(res.statusCode, qs).toBe(400);
    }
    expect((await get('/costs/forecast?days=0')).statusCode).toBe(400);
    expect((await get('/costs/attribution?min_cost=-1')).statusCode).toBe(400);
  });
});

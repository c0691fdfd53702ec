// The source planner and request parser, without a database: which table
// answers which part of the range, and why the raw table when it does.
import { describe, expect, it } from 'vitest';
import { metricsRequestFromBody, metricsRequestFromQuery, type MetricsBody } from '../../src/analytics/metrics-request.js';
import { planMetricsQuery, type Plan } from '../../src/analytics/planner.js';
import { compileMetricsQuery } from '../../src/analytics/compile-metrics.js';
import { INTERVALS, isBucketStart } from '../../src/analytics/intervals.js';

const T = (iso: string) => Date.parse(iso);
const plan = (body: Partial<MetricsBody>, from: string, to: string): Plan =>
  planMetricsQuery(metricsRequestFromBody({ metrics: [{ metric: 'request_count' }], ...body }), T(from), T(to));
const sources = (p: Plan) => p.segments.map((s) => `${s.source === 'raw' ? 'raw' : `rollup_${s.source}`}:${new Date(s.fromMs).toISOString().slice(5, 16)}`);

describe('planMetricsQuery', () => {
  it('reads the coarsest aligned rollup and stitches the edges from finer ones and raw rows', () => {
    const p = plan({}, '2026-03-01T10:15:30Z', '2026-03-04T06:45:00Z');
    expect(p.source).toBe('rollup_1d');
    expect(sources(p)).toEqual([
      'raw:03-01T10:15', 'rollup_1m:03-01T10:16', 'rollup_1h:03-01T11:00', 'rollup_1d:03-02T00:00',
      // The day that holds `to`: its row when no span comes after `to` that day, else its hours and minutes.
      'rollup_1d:03-04T00:00', 'rollup_1h:03-04T00:00', 'rollup_1m:03-04T06:00',
    ]);
    const guard = { fromMs: T('2026-03-04T06:45:00Z'), toMs: T('2026-03-05T00:00:00Z') };
    expect(p.segments.map((s) => s.guard)).toEqual([undefined, undefined, undefined, undefined, { when: 'empty', ...guard }, { when: 'present', ...guard }, { when: 'present', ...guard }]);
    // Either way the segments tile the range exactly (the open day reads its whole bucket).
    for (const when of ['empty', 'present']) {
      const tiles = p.segments.filter((s) => s.guard === undefined || s.guard.when === when);
      tiles.slice(1).forEach((s, i) => expect(s.fromMs).toBe(tiles[i]!.toMs));
      expect(tiles[0]!.fromMs).toBe(T('2026-03-01T10:15:30Z'));
      expect(tiles[tiles.length - 1]!.toMs).toBe(when === 'empty' ? guard.toMs : guard.fromMs);
    }
  });

  it('reads the open bucket of the coarsest grain that starts inside the range and lines up with the interval', () => {
    const open = (body: Partial<MetricsBody>, from: string, to: string) => {
      const s = plan(body, from, to).segments.find((x) => x.guard?.when === 'empty');
      return s === undefined ? null : `${s.source}:${new Date(s.fromMs).toISOString().slice(5, 16)}`;
    };
    // The last 24 hours: today's day row, the hours before it.
    expect(open({}, '2026-03-03T19:30:00Z', '2026-03-04T19:30:00Z')).toBe('1d:03-04T00:00');
    // Hourly buckets never read a day row; the open hour instead.
    expect(open({ interval: '1h' }, '2026-03-03T19:30:00Z', '2026-03-04T19:30:00Z')).toBe('1h:03-04T19:00');
    // A range inside one hour: the open minute.
    expect(open({}, '2026-03-04T19:05:00Z', '2026-03-04T19:30:30Z')).toBe('1m:03-04T19:30');
    // `to` on a minute boundary has no open bucket; nor a range inside one minute.
    expect(open({}, '2026-03-01T10:15:30Z', '2026-03-04T06:45:00Z')).toBe('1d:03-04T00:00');
    expect(open({}, '2026-03-01T10:15:30Z', '2026-03-04T00:00:00Z')).toBeNull();
    expect(open({}, '2026-03-04T19:30:10Z', '2026-03-04T19:30:50Z')).toBeNull();
    // Distinct users: the user family's week (Monday, migration 0016).
    expect(open({ metrics: [{ metric: 'unique_users' }] }, '2026-02-02T19:30:00Z', '2026-03-04T19:30:00Z')).toBe('1w:03-02T00:00');
    // A plain count never reads a family keyed by user, so never a week.
    expect(open({}, '2026-02-02T19:30:00Z', '2026-03-04T19:30:00Z')).toBe('1d:03-04T00:00');
  });

  it('never uses a grain coarser than the interval, nor one that does not line up with the time zone', () => {
    expect(plan({ interval: '1h' }, '2026-03-01T00:00:00Z', '2026-03-05T00:00:00Z').source).toBe('rollup_1h');
    expect(plan({ interval: '5m' }, '2026-03-01T00:00:00Z', '2026-03-05T00:00:00Z').source).toBe('rollup_1m');
    expect(plan({ interval: '1d', time_zone: 'America/New_York' }, '2026-03-01T00:00:00Z', '2026-03-20T00:00:00Z').source).toBe('rollup_1h');
    expect(plan({ interval: '1d', time_zone: 'Asia/Kathmandu' }, '2026-03-01T00:00:00Z', '2026-03-05T00:00:00Z').source).toBe('rollup_1m');
    expect(plan({ interval: '1w' }, '2026-03-01T00:00:00Z', '2026-04-05T00:00:00Z').source).toBe('rollup_1d');
  });

  it('skips the minute rollup for percentiles (no minute histograms)', () => {
    const p = plan({ metrics: [{ metric: 'duration', aggregation: 'p95' }] }, '2026-03-01T10:15:00Z', '2026-03-01T14:00:00Z');
    expect(sources(p)).toEqual(['raw:03-01T10:15', 'rollup_1h:03-01T11:00']);
  });

  it('reads per grain the smallest family keyed by every column the filter and group-by name', () => {
    const range = ['2026-03-01T10:15:00Z', '2026-03-04T06:45:00Z'] as const;
    const tables = (body: Partial<MetricsBody>) => plan(body, ...range).segments.map((s) => (s.source === 'raw' ? 'raw' : `${s.family}:${s.source}`));
    // The open day that holds `to` comes before the finer stitching it replaces.
    expect(tables({})).toEqual(['project:1m', 'project:1h', 'project:1d', 'project:1d', 'project:1h', 'project:1m']);
    expect(tables({ group_by: ['environment'], filter: { field: 'status_code', operator: 'eq', value: 'ERROR' } })).toEqual([
      'status:1m', 'status:1h', 'status:1d', 'status:1d', 'status:1h', 'status:1m',
    ]);
    // The model family has no minute grain: the minute edges come from the wide family.
    expect(tables({ group_by: ['model'], filter: { field: 'provider', operator: 'eq', value: 'openai' } })).toEqual(['wide:1m', 'model:1h', 'model:1d', 'model:1d', 'model:1h', 'wide:1m']);
    expect(tables({ group_by: ['model', 'environment'] })).toEqual(['wide:1m', 'wide:1h', 'wide:1d', 'wide:1d', 'wide:1h', 'wide:1m']);
    expect(tables({ filter: { field: 'span_name', operator: 'eq', value: 'x' } })[2]).toBe('wide:1d');
    // Percentiles need a histogram at the grain: hour and day histograms in every family, none per minute.
    expect(tables({ metrics: [{ metric: 'duration', aggregation: 'p95' }], group_by: ['provider'] })).toEqual(['raw', 'model:1h', 'model:1d', 'model:1d', 'model:1h', 'raw']);
    expect(tables({ metrics: [{ metric: 'duration', aggregation: 'p95' }], group_by: ['environment'] })).toEqual(['raw', 'status:1h', 'status:1d', 'status:1d', 'status:1h', 'raw']);
    expect(tables({ metrics: [{ metric: 'duration', aggregation: 'p95' }], group_by: ['span_name'] })).toEqual(['raw', 'wide:1h', 'wide:1d', 'wide:1d', 'wide:1h', 'raw']);
    // Per user only per week and day, so the edges are raw rows. Distinct users (read from the user family by
    // the compiler) keep the query to the user family's grains and key; the other figures read the smallest
    // family of each grain (at the week grain only the user families have rows).
    // Its start (13 h 45 min of spans) is read as the whole day minus its first 10 h 15 min; its
    // end is the week that holds `to` when no span follows `to` in it, else days and spans.
    expect(tables({ group_by: ['user_id'] })).toEqual(['user:1d', 'raw', 'user:1w', 'user:1d', 'raw']);
    expect(tables({ metrics: [{ metric: 'unique_users' }] })).toEqual(['raw', 'user:1w', 'project:1d', 'raw']);
    expect(tables({ metrics: [{ metric: 'unique_users' }], group_by: ['user_id'] })).toEqual(['raw', 'user:1w', 'user:1d', 'raw']);
    expect(tables({ metrics: [{ metric: 'unique_users' }], group_by: ['model'] })).toEqual(['raw', 'user_model:1w', 'model:1d', 'raw']);
    expect(tables({ metrics: [{ metric: 'unique_users' }], group_by: ['environment'] })).toEqual(['raw']);
    // A user's split by provider or model.
    expect(tables({ group_by: ['user_id', 'provider'] })).toEqual(['user_model:1d', 'raw', 'user_model:1w', 'user_model:1d', 'raw']);
  });

  it('reads a ragged end of a per-user family from the shorter side: the spans inside the range, or the day minus the spans outside it', () => {
    const shape = (body: Partial<MetricsBody>, from: string, to: string) =>
      plan(body, from, to).segments.map(
        (s) => `${s.subtract ? '-' : ''}${s.source}${s.clipped ? '*' : ''}${s.guard ? `?${s.guard.when}` : ''}:${new Date(s.fromMs).toISOString().slice(5, 16)}-${new Date(s.toMs).toISOString().slice(5, 16)}`,
      );
    const cost = { metrics: [{ metric: 'total_cost', aggregation: 'sum' }, { metric: 'duration', aggregation: 'avg' }, { metric: 'error_rate' }], group_by: ['user_id'] };
    // 20 h of the first day (a Sunday) inside the range, 4 h outside: the day row minus those 4 h.
    // The range ends 3 h into a Thursday: the week's row when nothing follows `to` that week, else
    // its days and those 3 h of spans.
    expect(shape(cost, '2026-03-01T04:00:00Z', '2026-03-05T03:00:00Z')).toEqual([
      '1d*:03-01T00:00-03-02T00:00', '-raw:03-01T00:00-03-01T04:00', '1w?empty:03-02T00:00-03-09T00:00', '1d?present:03-02T00:00-03-05T00:00', 'raw?present:03-05T00:00-03-05T03:00',
    ]);
    // The other way round: 4 h inside at the start; 21 h inside at the end, where spans after `to`
    // make it the week's days, the last of them minus its last 3 h.
    expect(shape(cost, '2026-03-01T20:00:00Z', '2026-03-05T21:00:00Z')).toEqual([
      'raw:03-01T20:00-03-02T00:00', '1w?empty:03-02T00:00-03-09T00:00', '1d?present:03-02T00:00-03-05T00:00', '1d*?present:03-05T00:00-03-06T00:00', '-raw?present:03-05T21:00-03-06T00:00',
    ]);
    // Inside one day: the day minus both ends when they are the shorter part.
    expect(shape(cost, '2026-03-01T02:00:00Z', '2026-03-01T23:00:00Z')).toEqual(['1d*:03-01T00:00-03-02T00:00', '-raw:03-01T00:00-03-01T02:00', '-raw:03-01T23:00-03-02T00:00']);
    // Exactly half a day: the spans inside, as before.
    expect(shape(cost, '2026-03-01T12:00:00Z', '2026-03-03T00:00:00Z')[0]).toBe('raw:03-01T12:00-03-02T00:00');
    // Minima, maxima, percentiles and distinct counts cannot be subtracted.
    for (const metric of [{ metric: 'duration', aggregation: 'max' }, { metric: 'total_cost', aggregation: 'min' }, { metric: 'unique_users' }]) {
      expect(shape({ ...cost, metrics: [metric] }, '2026-03-01T04:00:00Z', '2026-03-05T03:00:00Z')[0]).toBe('raw:03-01T04:00-03-02T00:00');
    }
    expect(shape({ metrics: [{ metric: 'duration', aggregation: 'p95' }], group_by: ['provider'] }, '2026-03-01T04:20:00Z', '2026-03-05T03:00:00Z')[0]).toBe('raw:03-01T04:20-03-01T05:00');
    // Families with minutes: the raw ends are under a minute, read as they are.
    expect(shape({ metrics: [{ metric: 'total_cost' }] }, '2026-03-01T04:00:50Z', '2026-03-05T03:00:00Z')[0]).toBe('raw:03-01T04:00-03-01T04:01');
  });

  it('sends to the raw table what rollups cannot answer, and says why', () => {
    const range = ['2026-03-01T00:00:00Z', '2026-03-05T00:00:00Z'] as const;
    const why = (body: Partial<MetricsBody>) => plan(body, ...range).reason;
    expect(why({ group_by: ['session_id'] })).toMatch(/session_id/);
    expect(why({ group_by: ['attributes.feature'] })).toMatch(/attributes/);
    expect(why({ filter: { field: 'input_text', operator: 'search', value: 'x' } })).toMatch(/full text/);
    expect(why({ filter: { field: 'duration_ms', operator: 'gt', value: 5 } })).toMatch(/duration_ms/);
    expect(why({ metrics: [{ metric: 'unique_sessions' }] })).toMatch(/unique_sessions/);
    // Users per hour: no family has them at a grain that fits.
    expect(why({ metrics: [{ metric: 'unique_users' }], interval: '1h' })).toMatch(/finest rollup/);
    expect(why({ metrics: [{ metric: 'total_cost', aggregation: 'p95' }] })).toMatch(/histogram/);
    // Any operator on a dimension column is still a rollup query: the predicate reads the same column there.
    expect(plan({ filter: { operator: 'NOT', filters: [{ field: 'model', operator: 'regex', value: '^gpt' }] } }, ...range).source).toBe('rollup_1d');
    expect(plan({}, '2026-03-01T00:00:10Z', '2026-03-01T00:00:50Z').source).toBe('raw');
  });

  it('merges only the ragged edges: a segment bounded by bucket starts has buckets of its own', () => {
    const ms = (iso: string) => Date.parse(iso);
    expect(isBucketStart(INTERVALS['1h'], 'UTC', ms('2026-03-01T05:00:00Z'))).toBe(true);
    expect(isBucketStart(INTERVALS['1h'], 'UTC', ms('2026-03-01T05:30:00Z'))).toBe(false);
    expect(isBucketStart(INTERVALS['6h'], 'UTC', ms('2026-03-01T18:00:00Z'))).toBe(true);
    expect(isBucketStart(INTERVALS['6h'], 'UTC', ms('2026-03-01T15:00:00Z'))).toBe(false);
    expect(isBucketStart(INTERVALS['1d'], 'UTC', ms('2026-03-01T00:00:00Z'))).toBe(true);
    // A local day starts elsewhere: never assumed.
    expect(isBucketStart(INTERVALS['1d'], 'Europe/Berlin', ms('2026-03-01T00:00:00Z'))).toBe(false);
    expect(isBucketStart(INTERVALS['1w'], 'UTC', ms('2026-03-02T00:00:00Z'))).toBe(true); // a Monday
    expect(isBucketStart(INTERVALS['1w'], 'UTC', ms('2026-03-01T00:00:00Z'))).toBe(false); // a Sunday
    // An hourly series from 09:30: the 1m and raw edges share the 09:00 bucket and are merged; the hours of the middle are not.
    const body: MetricsBody = { metrics: [{ metric: 'request_count' }], interval: '1h' };
    const p = plan(body, '2026-03-01T09:30:15Z', '2026-03-03T00:00:00Z');
    const sql = compileMetricsQuery({ req: metricsRequestFromBody({ ...body, from: '2026-03-01T09:30:15Z', to: '2026-03-03T00:00:00Z' }), plan: p, scope: null, fromMs: ms('2026-03-01T09:30:15Z'), toMs: ms('2026-03-03T00:00:00Z') }).sql;
    const a = /a AS \((.*)\)\n/s.exec(sql)![1]!;
    expect(p.segments.map((s) => s.source)).toEqual(['raw', '1m', '1h']);
    expect(a).toMatch(/^SELECT bucket AS b, .* FROM llm_rollup_project_1h WHERE .* UNION ALL SELECT b, .* FROM \(SELECT .* FROM llm_traces .* UNION ALL SELECT .* FROM llm_rollup_project_1m .*\) p GROUP BY b$/s);
  });
});

describe('metrics request parsing', () => {
  it('accepts the seed system spellings and fills in default aggregations and aliases', () => {
    const r = metricsRequestFromBody({ interval: '1hour', metrics: [{ metric: 'duration' }, { metric: 'total_cost' }, { metric: 'unique_users' }, { metric: 'ttft', aggregation: 'p99' }] });
    expect(r.interval?.name).toBe('1h');
    expect(r.metrics.map((m) => [m.alias, m.aggregation])).toEqual([['duration', 'avg'], ['total_cost', 'sum'], ['unique_users', 'count'], ['ttft_p99', 'p99']]);
    expect(r.from).toBe('now-24h');
  });

  it('reads the GET form into the same request as the POST form', () => {
    const get = metricsRequestFromQuery({ metrics: 'total_cost:sum,duration:p95', interval: '1h', group_by: 'model', from: 'now-7d', provider: 'openai' });
    const post = metricsRequestFromBody({
      metrics: [{ metric: 'total_cost', aggregation: 'sum' }, { metric: 'duration', aggregation: 'p95' }],
      interval: '1h', group_by: ['model'], from: 'now-7d', filter: { operator: 'AND', filters: [{ field: 'provider', operator: 'eq', value: 'openai' }] },
    });
    expect(get).toEqual(post);
  });

  it('never puts an alias or a group name into the SQL text', () => {
    const req = metricsRequestFromBody({ metrics: [{ metric: 'request_count', alias: 'DROP_TABLE_x' }], group_by: ['attributes."a;b".c'], having: [{ alias: 'DROP_TABLE_x', operator: 'gt', value: 1 }], sort_by: 'DROP_TABLE_x' });
    const p = planMetricsQuery(req, T('2026-03-01T00:00:00Z'), T('2026-03-02T00:00:00Z'));
    const c = compileMetricsQuery({ req, plan: p, fromMs: p.segments[0]!.fromMs, toMs: T('2026-03-02T00:00:00Z'), scope: ['proj-a'] });
    expect(c.sql).not.toMatch(/DROP_TABLE|a;b/);
    expect(c.params).toContainEqual(['a;b', 'c']);
    expect(c.params).toContain('proj-a');
  });
});

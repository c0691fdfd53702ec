// Differential property test of the analytics engine, on both engines:
// random spans ingested in random order and batches, with idempotent
// duplicates, late data and deletes in between; then
//  1. every rollup row of every family and grain equals GROUP BY over the raw
//     rows by that family's key, column for column (counts, exact sums,
//     non-null counts, min, max, sum of squares);
//  2. every latency histogram of every family equals the raw rows binned
//     (bins ascending, no zero counts), the error-signature rollup and the
//     trace cost table equal GROUP BY over the raw rows (the signature by the
//     report's own rules);
//  3. (deferred mode: the same after the pending deltas are folded, with folds
//     also at random points between batches and deletes)
//  4. random metrics queries (distinct users, percentiles merged in the
//     service or in SQL when having needs them) answered by the planner (rollups, stitched edges)
//     equal the same query over raw rows: sums and counts exactly, percentiles
//     within the stated relative error.
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { PERCENTILE_RELATIVE_ERROR, ROLLUP_FAMILIES, type Grain } from '../../src/analytics/catalog.js';
import { compileMetricsQuery } from '../../src/analytics/compile-metrics.js';
import { metricsRequestFromBody, type MetricsBody } from '../../src/analytics/metrics-request.js';
import { executeMetricsQuery, resolveRange } from '../../src/analytics/metrics-service.js';
import { planMetricsQuery, type Plan } from '../../src/analytics/planner.js';
import { normalizedSql, topErrors } from '../../src/analytics/reports/error-messages.js';
import type { ReportContext } from '../../src/analytics/reports/report-context.js';
import { topTraces } from '../../src/analytics/reports/top-traces.js';
import { SqlParams } from '../../src/query/compile.js';
import type { SpanRecord } from '../../src/storage/span-record.js';
import { insertSpanRecords } from '../../src/storage/span-writer.js';
import { RollupFolder } from '../../src/storage/rollup-folder.js';
import { describeEachBackend, truncateSpans } from '../helpers/backends.js';

const RUNS = Number(process.env.ROLLUP_DIFF_RUNS ?? 25);
const SEED = process.env.DIFF_SEED === undefined ? undefined : Number(process.env.DIFF_SEED);
const BASE = Date.UTC(2026, 2, 27, 22, 0); // three days around a DST change in Europe
const SPAN_MS = 3 * 86_400_000;

const DIMS = ['project_id', 'provider', 'model', 'environment', 'status_code', 'span_name'];
const MEASURES: [string, string][] = [
  ['prompt_tokens', 'prompt_tokens'],
  ['completion_tokens', 'completion_tokens'],
  ['total_tokens', 'total_tokens'],
  ['prompt_cost', 'prompt_cost_usd'],
  ['completion_cost', 'completion_cost_usd'],
  ['total_cost', 'total_cost_usd'],
  ['duration', 'duration_ms'],
  ['ttft', 'ttft_ms'],
];

const cost = fc.option(
  fc.tuple(fc.nat(30), fc.nat(9_999_999_999)).map(([i, f]) => `${i}.${String(f).padStart(10, '0')}`),
  { nil: null, freq: 4 },
);
const spanArb = fc.record({
  offsetMs: fc.oneof(fc.integer({ min: 0, max: SPAN_MS - 1 }), fc.constantFrom(0, 59_999, 60_000, 3_599_999, 3_600_000, 86_399_999, 86_400_000)),
  project_id: fc.constantFrom('p1', 'p2'),
  provider: fc.constantFrom(null, 'openai', 'anthropic'),
  model: fc.constantFrom(null, 'm1', 'm2'),
  environment: fc.constantFrom(null, 'prod', 'dev'),
  status_code: fc.constantFrom('OK', 'SUCCESS', 'ERROR', 'UNSET'),
  span_name: fc.constantFrom('llm', 'tool'),
  duration_ms: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 2_000_000 })),
  ttft_ms: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: null }),
  prompt_tokens: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
  completion_tokens: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
  total_cost_usd: cost,
  prompt_cost_usd: cost,
  user_id: fc.constantFrom(null, 'u1', 'u2', 'u3'),
  error_message: fc.constantFrom(null, 'Request timed out after 30000 ms', 'Request timed out after 60000 ms', 'Rate limit for key "k1" exceeded', 'Rate limit for key "k2"  exceeded', 'boom'),
  trace: fc.nat(6),
});
type SpanDraft = typeof spanArb extends fc.Arbitrary<infer T> ? T : never;

function record(d: SpanDraft, i: number): SpanRecord {
  return {
    ts: new Date(BASE + d.offsetMs).toISOString(),
    trace_id: `t${d.trace}`,
    span_id: `s${i}`,
    parent_span_id: null,
    project_id: d.project_id,
    span_name: d.span_name,
    provider: d.provider,
    model: d.model,
    input_text: null,
    output_text: null,
    prompt_tokens: d.prompt_tokens,
    completion_tokens: d.completion_tokens,
    total_tokens: d.prompt_tokens === null || d.completion_tokens === null ? null : d.prompt_tokens + d.completion_tokens,
    prompt_cost_usd: d.prompt_cost_usd,
    completion_cost_usd: null,
    total_cost_usd: d.total_cost_usd,
    duration_ms: d.duration_ms,
    ttft_ms: d.ttft_ms,
    status_code: d.status_code,
    error_message: d.error_message,
    user_id: d.user_id,
    session_id: null,
    environment: d.environment,
    tags: [],
    attributes: {},
  };
}

/** An ingest scenario: batches (indexes into the spans, duplicates allowed) and deletes between them. */
const scenarioArb = fc.array(spanArb, { minLength: 3, maxLength: 40 }).chain((spans) =>
  fc.record({
    spans: fc.constant(spans),
    order: fc.shuffledSubarray(spans.map((_, i) => i), { minLength: spans.length, maxLength: spans.length }),
    dupes: fc.array(fc.nat(spans.length - 1), { maxLength: 15 }),
    cuts: fc.array(fc.nat(spans.length + 15), { maxLength: 4 }),
    deletes: fc.array(fc.tuple(fc.nat(4), fc.subarray(spans.map((_, i) => i), { maxLength: Math.min(8, spans.length) })), { maxLength: 3 }),
  }),
);

const metricsArb = fc.record({
  group_by: fc.subarray([...DIMS, 'user_id'], { maxLength: 2 }),
  // A condition on a dimension moves the query to a family keyed by it.
  filter: fc.constantFrom(
    null,
    { field: 'environment', operator: 'eq', value: 'prod' },
    { field: 'provider', operator: 'in', value: ['openai', 'anthropic'] },
    { field: 'status_code', operator: 'ne', value: 'ERROR' },
    { field: 'span_name', operator: 'eq', value: 'llm' },
  ),
  interval: fc.constantFrom(null, '1h', '6h', '1d', '1w', '15m'),
  time_zone: fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kolkata'),
  from: fc.integer({ min: -3_600_000, max: SPAN_MS }),
  length: fc.integer({ min: 1_000, max: SPAN_MS }),
});

const UNIT: Record<Grain, string> = { '1m': 'minute', '1h': 'hour', '1d': 'day', '1w': 'week' };

/** A number as text without trailing zeros: a sum that went back to zero after a delete keeps its scale (0.0000000000), the same value as 0. */
const val = (e: string) => `trim_scale((${e})::numeric)::text`;

const ROLLUP_CHECK = (table: string, dims: readonly string[], unit: string, firstLast: boolean) => {
  const cols = [
    'request_count',
    'error_count',
    'success_count',
    ...MEASURES.flatMap(([m]) => [val(`${m}_sum`), `${m}_n`, val(`${m}_min`), val(`${m}_max`)]),
    val('duration_sumsq'),
    // The user family's day and week rows also keep their first and last span (migrations 0015, 0016).
    ...(firstLast ? ['ts_min::text', 'ts_max::text'] : []),
  ];
  const raw = [
    'count(*)',
    `count(*) FILTER (WHERE status_code = 'ERROR')`,
    `count(*) FILTER (WHERE status_code IN ('OK', 'SUCCESS'))`,
    ...MEASURES.flatMap(([, c]) => [val(`coalesce(sum(${c}), 0)`), `count(${c})`, val(`min(${c})`), val(`max(${c})`)]),
    val('coalesce(sum(duration_ms::numeric * duration_ms), 0)'),
    ...(firstLast ? ['min(ts)::text', 'max(ts)::text'] : []),
  ];
  const keys = ['project_id', 'bucket', ...dims.slice(1)].join(', ');
  return {
    rollup: `SELECT ${keys}, ${cols.map((c, i) => `${c} AS c${i}`).join(', ')} FROM ${table} ORDER BY ${keys}`,
    raw: `SELECT ${keys}, ${raw.map((c, i) => `${c} AS c${i}`).join(', ')} FROM (SELECT *, date_trunc('${unit}', ts, 'UTC') AS bucket FROM llm_traces) t GROUP BY ${keys} ORDER BY ${keys}`,
  };
};

const HIST_CHECK = (table: string, dims: readonly string[], unit: string) => {
  const keys = ['project_id', 'bucket', ...dims.slice(1), 'metric'].join(', ');
  return {
    rollup: `SELECT ${keys}, bins::text AS bins, counts::text AS counts, packed FROM ${table} ORDER BY ${keys}`,
    raw:
      `SELECT ${keys}, array_agg(bin ORDER BY bin)::text AS bins, array_agg(n ORDER BY bin)::text AS counts,` +
      ` string_agg(bin::text, ',' ORDER BY bin) || ';' || string_agg(n::text, ',' ORDER BY bin) AS packed FROM (` +
      `SELECT ${keys}, bin, count(*) AS n FROM (SELECT llm_traces.*, date_trunc('${unit}', ts, 'UTC') AS bucket, h.metric, tracelens_latency_bin(h.v) AS bin FROM llm_traces ` +
      `CROSS JOIN LATERAL (VALUES (1::smallint, duration_ms), (2::smallint, ttft_ms)) AS h(metric, v) WHERE h.v IS NOT NULL) t GROUP BY ${keys}, bin) b GROUP BY ${keys} ORDER BY ${keys}`,
  };
};

/** The error rollup against the raw failed spans, grouped by the report's normalization rules (the TypeScript list, not the SQL function). */
const ERROR_CHECK = (() => {
  const p = new SqlParams();
  const sig = normalizedSql(p);
  return {
    rollup: 'SELECT project_id, bucket, signature, user_id, n, last_seen, last_id, sample FROM llm_rollup_error_1d ORDER BY 1, 2, 3, 4',
    raw:
      `SELECT project_id, date_trunc('day', ts, 'UTC') AS bucket, ${sig} AS signature, user_id, count(*) AS n, max(ts) AS last_seen,` +
      ` (array_agg(id ORDER BY ts DESC, id DESC))[1] AS last_id, (array_agg(error_message ORDER BY ts DESC, id DESC))[1] AS sample` +
      ` FROM llm_traces WHERE status_code = 'ERROR' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    params: p.values,
  };
})();

const TRACE_CHECK = {
  rollup: `SELECT project_id, trace_id, ${val('total_cost')} AS cost, span_count, total_tokens, first_ts, last_ts, first_id, first_span_name, first_user_id FROM llm_trace_costs ORDER BY 1, 2`,
  raw:
    `SELECT project_id, trace_id, ${val('sum(total_cost_usd)')} AS cost, count(*) AS span_count, coalesce(sum(total_tokens), 0) AS total_tokens, min(ts) AS first_ts, max(ts) AS last_ts,` +
    ` (array_agg(id ORDER BY ts, id))[1] AS first_id, (array_agg(span_name ORDER BY ts, id))[1] AS first_span_name, (array_agg(user_id ORDER BY ts, id))[1] AS first_user_id` +
    ` FROM llm_traces WHERE total_cost_usd > 0 GROUP BY 1, 2 ORDER BY 1, 2`,
};

const METRICS: MetricsBody['metrics'] = [
  { metric: 'request_count', alias: 'n' },
  { metric: 'error_rate', alias: 'err' },
  { metric: 'success_count', alias: 'ok' },
  { metric: 'total_cost', aggregation: 'sum', alias: 'cost' },
  { metric: 'prompt_cost', aggregation: 'max', alias: 'pcost_max' },
  { metric: 'total_tokens', aggregation: 'avg', alias: 'tok_avg' },
  { metric: 'duration', aggregation: 'min', alias: 'dmin' },
  { metric: 'ttft', aggregation: 'count', alias: 'ttft_n' },
  { metric: 'throughput', alias: 'rps' },
];
const PCT: MetricsBody['metrics'] = [
  { metric: 'duration', aggregation: 'p50', alias: 'd50' },
  { metric: 'duration', aggregation: 'p99', alias: 'd99' },
  { metric: 'ttft', aggregation: 'p90', alias: 't90' },
];
const USERS: MetricsBody['metrics'] = [
  { metric: 'unique_users', alias: 'users' },
  { metric: 'request_count', alias: 'n' },
  { metric: 'total_cost', aggregation: 'sum', alias: 'cost' },
];
/** Figures that are sums of per-span terms: a ragged end of a day-only family may be read as the day minus the spans outside the range. */
const SUMS: MetricsBody['metrics'] = [
  { metric: 'request_count', alias: 'n' },
  { metric: 'error_rate', alias: 'err' },
  { metric: 'total_cost', aggregation: 'sum', alias: 'cost' },
  { metric: 'total_tokens', aggregation: 'avg', alias: 'tok_avg' },
  { metric: 'ttft', aggregation: 'count', alias: 'ttft_n' },
];
/** Percentiles with a having on one: computed in SQL from the unnested arrays (a 0 ms percentile is 0 either way). */
const PCT_HAVING = [{ alias: 'd50', operator: 'gt', value: 0 }];
const QUERY_SETS: { metrics: MetricsBody['metrics']; having?: MetricsBody['having']; approx: boolean; wholeDays?: boolean; spanEnds?: boolean; byUser?: boolean }[] = [
  { metrics: METRICS, approx: false },
  { metrics: PCT, approx: true },
  { metrics: PCT, having: PCT_HAVING, approx: true },
  { metrics: USERS, approx: false },
  // Whole days with ragged ends, so the user family's day rows answer the middle.
  { metrics: USERS, approx: false, wholeDays: true },
  { metrics: SUMS, approx: false },
  // Per user (a family with days only), from early in a day: its first day is read as the day
  // minus the spans before the range.
  { metrics: SUMS, approx: false, byUser: true },
  // From the earliest stored span to the latest, no groups: both ends inside a day, each exactly at a
  // span (the first counts, the last does not), answered from the user family's first and last span
  // of each day (migration 0015) and not from raw spans.
  { metrics: [{ metric: 'unique_users', alias: 'users' }], approx: false, spanEnds: true },
];

for (const mode of ['inline', 'deferred'] as const) {
describeEachBackend(`differential: rollups vs raw rows (${mode})`, (backend) => {
  const stats = { scenarios: 0, spans: 0, rollupRows: 0, errorRows: 0, traceRows: 0, reports: 0, queries: 0, viaRollup: 0, percentiles: 0, tables: {} as Record<string, number>, openBucket: { empty: 0, present: 0 }, userDayEdges: 0, byDifference: 0 };
  afterAll(() => {
    console.info(`[rollup differential ${backend().name} ${mode}] ${JSON.stringify(stats)}`);
  });

  it('keeps every rollup and histogram equal to the raw rows, and answers queries the same from either', async () => {
    const db = backend().driver;
    const folder = new RollupFolder(db, 0);
    const pending = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM tracelens_rollup_pending')).rows[0]!.n);
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.array(metricsArb, { minLength: 2, maxLength: 2 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), async (sc, queries, foldAfter) => {
        await truncateSpans(db);
        const records = sc.spans.map(record);
        const stream = [...sc.order, ...sc.dupes];
        const cuts = [...new Set(sc.cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
        const batches: number[][] = [];
        let at = 0;
        for (const c of [...cuts, stream.length]) {
          batches.push(stream.slice(at, c));
          at = c;
        }
        // Whether spans changed since the last fold (deferred mode: then something is pending).
        let changed = false;
        for (let b = 0; b < batches.length; b++) {
          if (batches[b]!.length > 0) {
            // Duplicates of stored spans insert nothing (idempotent ingest).
            if ((await insertSpanRecords(db, batches[b]!.map((i) => records[i]!))) > 0) changed = true;
          }
          for (const [when, ids] of sc.deletes) {
            if (when % batches.length === b && ids.length > 0) {
              const del = await db.query('DELETE FROM llm_traces WHERE span_id = ANY($1::text[])', [ids.map((i) => `s${i}`)]);
              if (del.rowCount > 0) changed = true;
            }
          }
          if (mode === 'deferred' && foldAfter[b % foldAfter.length]) {
            await folder.foldOnce();
            changed = false;
          }
        }
        if (mode === 'deferred') {
          // The writes took the deferred path (nothing was applied inline), and one fold applies all of it.
          const left = await pending();
          if (changed) expect(left).toBeGreaterThan(0);
          const fold = await folder.foldOnce();
          expect(fold).toEqual({ ran: true, rows: left });
          expect(await pending()).toBe(0);
        } else {
          expect(await pending()).toBe(0);
        }
        stats.scenarios++;
        stats.spans += records.length;

        for (const family of ROLLUP_FAMILIES) {
          for (const [grain, table] of Object.entries(family.tables) as [Grain, string][]) {
            const q = ROLLUP_CHECK(table, family.dimensions, UNIT[grain], family.name === 'user');
            const [got, want] = await Promise.all([db.query(q.rollup), db.query(q.raw)]);
            expect(got.rows, table).toEqual(want.rows);
            stats.rollupRows += got.rows.length;
          }
          for (const [grain, table] of Object.entries(family.histograms) as [Grain, string][]) {
            const h = HIST_CHECK(table, family.dimensions, UNIT[grain]);
            const [hg, hw] = await Promise.all([db.query(h.rollup), db.query(h.raw)]);
            expect(hg.rows, table).toEqual(hw.rows);
          }
        }
        const [eg, ew] = await Promise.all([db.query(ERROR_CHECK.rollup), db.query(ERROR_CHECK.raw, ERROR_CHECK.params)]);
        expect(eg.rows, 'llm_rollup_error_1d').toEqual(ew.rows);
        const [tg, tw] = await Promise.all([db.query(TRACE_CHECK.rollup), db.query(TRACE_CHECK.raw)]);
        expect(tg.rows, 'llm_trace_costs').toEqual(tw.rows);
        stats.errorRows += eg.rows.length;
        stats.traceRows += tg.rows.length;

        // One range more that ends just before a stored span: its open bucket holds a span after `to`,
        // so that bucket's row must not answer (random ranges over sparse spans rarely end like this).
        const last = Math.max(...sc.spans.map((d) => d.offsetMs));
        const endsBeforeSpan = { ...queries[0]!, from: -3_600_000, length: last + 3_600_000 - 1 };
        for (const mq of [...queries, endsBeforeSpan]) {
          // The reports' own structures: error groups and most expensive traces equal the raw answer, for any range and scope.
          for (const scope of [null, ['p1']]) {
            const ctx: ReportContext = {
              db,
              scope,
              query: { from: '', to: null, projects: null, wireFilter: null, filter: null },
              fromMs: BASE + mq.from,
              toMs: BASE + mq.from + mq.length,
              now: BASE + SPAN_MS,
              sources: [],
            };
            expect(await topErrors(ctx, 50), `top errors ${JSON.stringify(mq)}`).toEqual(await topErrors(ctx, 50, { raw: true }));
            expect(await topTraces(ctx, 3), `top traces ${JSON.stringify(mq)}`).toEqual(await topTraces(ctx, 3, { raw: true }));
            stats.reports++;
          }
          for (const set of QUERY_SETS) {
            const metrics = set.metrics;
            const offsets = sc.spans.map((d) => d.offsetMs);
            const [fromMs, toMs] = set.spanEnds
              ? [BASE + Math.min(...offsets), BASE + Math.max(...offsets)]
              : set.wholeDays
                ? [BASE - 600_000, BASE + SPAN_MS - 60_000]
                : set.byUser
                  ? // From 02:00-10:00 of the day after BASE (14-22 h of it inside the range, spans before it
                    // too) to a random point after the next midnight.
                    [BASE + 4 * 3_600_000 + (Math.abs(mq.from) % (8 * 3_600_000)), BASE + 26 * 3_600_000 + (mq.length % (SPAN_MS - 26 * 3_600_000))]
                  : [BASE + mq.from, BASE + mq.from + mq.length];
            if (fromMs >= toMs) continue;
            const req = metricsRequestFromBody({
              metrics,
              ...(set.having === undefined ? {} : { having: set.having }),
              group_by: set.spanEnds ? [] : set.byUser ? ['user_id', ...mq.group_by.filter((g) => g === 'provider' || g === 'model')] : mq.group_by,
              filter: set.spanEnds || set.byUser ? null : mq.filter,
              interval: set.spanEnds ? null : mq.interval,
              time_zone: mq.time_zone,
              from: new Date(fromMs).toISOString(),
              to: new Date(toMs).toISOString(),
              limit: 10_000,
            });
            let range: { fromMs: number; toMs: number };
            try {
              range = resolveRange(req, BASE + SPAN_MS);
            } catch {
              continue; // a 15m series over too long a range: rejected, nothing to compare
            }
            const planned = await executeMetricsQuery(db, req, null, range);
            // Ranges whose ends were read from the first and last span of a user's day.
            if (/ts_min < |ts_max >= /.test(compileMetricsQuery({ req, plan: planMetricsQuery(req, range.fromMs, range.toMs), scope: null, ...range }).sql)) stats.userDayEdges++;
            const rawPlan: Plan = { mode: 'raw', segments: [{ source: 'raw', ...range }], source: 'raw', reason: 'test' };
            const c = compileMetricsQuery({ req, plan: rawPlan, scope: null, ...range });
            const raw = await db.query<Record<string, unknown>>(c.sql, c.params);
            stats.queries++;
            if (planned.source !== 'raw') stats.viaRollup++;
            if (planned.segments.some((seg) => seg.subtract)) stats.byDifference++;
            for (const seg of planned.segments) {
              stats.tables[seg.table] = (stats.tables[seg.table] ?? 0) + 1;
              // The open bucket at the end of the range: which way its guard went (both must be seen).
              if (seg.guard?.when === 'empty') {
                const probe = await db.query<{ e: boolean }>('SELECT EXISTS (SELECT 1 FROM llm_traces WHERE ts >= $1 AND ts < $2) AS e', [seg.guard.from, seg.guard.to]);
                stats.openBucket[probe.rows[0]!.e ? 'present' : 'empty']++;
              }
            }
            expect(planned.rows.length, JSON.stringify(mq)).toBe(raw.rows.length);
            planned.rows.forEach((row, i) => {
              const r = raw.rows[i]!;
              req.metrics.forEach((m, j) => {
                const want = r[`m${j}`] === null ? null : Number(r[`m${j}`]);
                const got = row[m.alias] as number | null;
                if (set.approx && planned.source !== 'raw') {
                  stats.percentiles++;
                  if (want === null) expect(got).toBeNull();
                  else expect(Math.abs(got! - want), `${m.alias} ${JSON.stringify(mq)}`).toBeLessThanOrEqual(want * PERCENTILE_RELATIVE_ERROR + 1e-9);
                } else {
                  expect(got, `${m.alias} ${JSON.stringify(mq)}`).toBe(want);
                }
              });
            });
          }
        }
      }),
      // endOnFailure: a scenario takes up to seconds, shrinking one would take hundreds; the counterexample is printed as found.
      { numRuns: mode === 'inline' ? RUNS : Math.ceil(RUNS / 2), endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    // Both answers of an open bucket were compared: its rollup row (no span after \`to\` in its bucket) and the stitching.
    expect(stats.openBucket.empty).toBeGreaterThan(0);
    expect(stats.openBucket.present).toBeGreaterThan(0);
    expect(stats.userDayEdges).toBeGreaterThan(0);
    // Ragged ends read as a day row minus the spans outside the range.
    expect(stats.byDifference).toBeGreaterThan(0);
    // Week rows answered (the open week of the per-user query set: its ranges end in the week from BASE's Monday on half the time).
    expect((stats.tables['llm_rollup_user_1w'] ?? 0) + (stats.tables['llm_rollup_user_model_1w'] ?? 0)).toBeGreaterThan(0);
  }, 600_000);
}, { deferredRollups: mode === 'deferred' });
}

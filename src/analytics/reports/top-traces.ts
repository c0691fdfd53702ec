// The most expensive traces: spans summed per trace. A trace is not a
// dimension of the rollups, so this is a storage query of its own, with the
// search filter compiler, the tenant scope and parameters only. Only the
// spans inside the range (and matching the filter) count toward a trace.
//
// Without a filter it reads llm_trace_costs (migration 0010: one row per
// trace, kept exact by the ingest triggers): the traces wholly inside the
// range in cost order, stopping after the N-th, plus the few traces that
// straddle a bound, whose in-range spans are summed from raw rows. Any
// trace of the true top N is in one of the two sets, so the answer is the
// one the raw query gives.
import { SqlParams } from '../../query/compile.js';
import { scopeSql } from '../../traces/page-sql.js';
import { TRACE_COSTS_TABLE } from '../catalog.js';
import { noteSource, rawConditions, type ReportContext } from './report-context.js';

export interface TraceCost {
  trace_id: string;
  project_id: string;
  total_cost: number;
  span_count: number;
  total_tokens: number;
  started_at: string;
  /** span_name of the trace's earliest costed span in range. */
  first_span_name: string;
  user_id: string | null;
}

interface Row {
  trace_id: string;
  project_id: string;
  cost: string;
  spans: string | number;
  tokens: string | number | null;
  started: Date | string;
  first: string;
  user_id: string | null;
}

/** From llm_trace_costs (inside the range) and raw rows (straddling a bound). */
function fromTraceCosts(ctx: ReportContext, limit: number, params: SqlParams): string {
  const scope = ctx.scope === null ? 'true' : scopeSql(ctx.scope, params);
  const from = params.append(new Date(ctx.fromMs).toISOString(), 'timestamptz');
  const to = params.append(new Date(ctx.toMs).toISOString(), 'timestamptz');
  const n = params.append(limit, 'bigint');
  const inside = `first_ts >= ${from} AND last_ts < ${to}`;
  const span = `tstzrange(first_ts, last_ts, '[]')`;
  return (
    `WITH inside AS (SELECT project_id, trace_id, total_cost AS cost, span_count AS spans, total_tokens AS tokens, first_ts AS started, first_span_name AS first, first_user_id AS user_id` +
    ` FROM ${TRACE_COSTS_TABLE} WHERE ${scope} AND ${inside} ORDER BY total_cost DESC, project_id COLLATE "C", trace_id COLLATE "C" LIMIT ${n}),` +
    ` edge AS (SELECT project_id, trace_id FROM ${TRACE_COSTS_TABLE} WHERE ${scope} AND (${span} @> ${from} OR ${span} @> ${to}) AND NOT (${inside})),` +
    ` straddle AS (SELECT project_id, trace_id, sum(total_cost_usd) AS cost, count(*) AS spans, sum(total_tokens) AS tokens, min(ts) AS started,` +
    ` (array_agg(span_name ORDER BY ts, id))[1] AS first, (array_agg(user_id ORDER BY ts, id))[1] AS user_id` +
    ` FROM llm_traces WHERE total_cost_usd > 0 AND ${scope} AND ts >= ${from} AND ts < ${to} AND (project_id, trace_id) IN (SELECT project_id, trace_id FROM edge) GROUP BY 1, 2)` +
    ` SELECT trace_id, project_id, cost::text AS cost, spans, tokens, started, first, user_id FROM (SELECT * FROM inside UNION ALL SELECT * FROM straddle) x` +
    // Qualified: the output column cost is the text form.
    ` ORDER BY x.cost DESC, x.project_id COLLATE "C", x.trace_id COLLATE "C" LIMIT ${n}`
  );
}

export async function topTraces(ctx: ReportContext, limit: number, opts: { raw?: boolean } = {}): Promise<TraceCost[]> {
  if (limit === 0) return [];
  const params = new SqlParams();
  if (!opts.raw && ctx.query.filter === null) {
    const res = await ctx.db.query<Row>(fromTraceCosts(ctx, limit, params), params.values, { kind: 'metrics', signal: ctx.signal, requestId: ctx.requestId, shape: 'report top-traces', serial: true });
    noteSource(ctx, 'rollup_1d');
    return res.rows.map(toTraceCost);
  }
  // Spans without a cost (tools, retrieval) cannot change a trace's total: leave them out of the scan.
  const where = ['total_cost_usd > 0', ...rawConditions(ctx, params)].join(' AND ');
  // One narrow hash aggregate picks the traces; only their spans are read again for the details.
  const sql =
    `WITH top AS (SELECT project_id, trace_id, sum(total_cost_usd) AS cost FROM llm_traces WHERE ${where}` +
    ` GROUP BY project_id, trace_id ORDER BY cost DESC, project_id COLLATE "C", trace_id COLLATE "C" LIMIT ${params.append(limit, 'bigint')})` +
    ` SELECT top.trace_id, top.project_id, top.cost::text AS cost, d.spans, d.tokens, d.started, d.first, d.user_id FROM top` +
    ` CROSS JOIN LATERAL (SELECT count(*) AS spans, sum(total_tokens) AS tokens, min(ts) AS started,` +
    ` (array_agg(span_name ORDER BY ts, id))[1] AS first, (array_agg(user_id ORDER BY ts, id))[1] AS user_id` +
    ` FROM llm_traces WHERE trace_id = top.trace_id AND project_id = top.project_id AND ${where}) d` +
    ` ORDER BY top.cost DESC, top.project_id COLLATE "C", top.trace_id COLLATE "C"`;
  const res = await ctx.db.query<Row>(sql, params.values, { kind: 'metrics', signal: ctx.signal, requestId: ctx.requestId, shape: 'report top-traces' });
  noteSource(ctx, 'raw');
  return res.rows.map(toTraceCost);
}

function toTraceCost(r: Row): TraceCost {
  return {
    trace_id: r.trace_id,
    project_id: r.project_id,
    total_cost: Number(r.cost),
    span_count: Number(r.spans),
    total_tokens: Number(r.tokens ?? 0),
    started_at: new Date(r.started).toISOString(),
    first_span_name: r.first,
    user_id: r.user_id,
  };
}

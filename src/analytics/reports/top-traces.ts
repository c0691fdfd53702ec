// The most expensive traces: spans summed per trace. A trace is not a
// dimension of the rollups, so this is a storage query of its own, with the
// search filter compiler, the tenant scope and parameters only. Only the
// spans inside the range (and matching the filter) count toward a trace.
import { SqlParams } from '../../query/compile.js';
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

export async function topTraces(ctx: ReportContext, limit: number): Promise<TraceCost[]> {
  if (limit === 0) return [];
  const params = new SqlParams();
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
  return res.rows.map((r) => ({
    trace_id: r.trace_id,
    project_id: r.project_id,
    total_cost: Number(r.cost),
    span_count: Number(r.spans),
    total_tokens: Number(r.tokens ?? 0),
    started_at: new Date(r.started).toISOString(),
    first_span_name: r.first,
    user_id: r.user_id,
  }));
}

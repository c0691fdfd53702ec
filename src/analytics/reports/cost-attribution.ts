// GET /api/v1/costs/attribution?dimension=...: who or what spends the money.
// One row per value of the dimension (user, project, model, provider,
// environment, tag or attributes.<path>), most expensive first, with its
// share and its own split by provider and by model; `min_cost` cuts the long
// tail and keyset paging walks it.
//
// The groups come from the metrics engine (its planner reads the rollups for
// rollup dimensions, raw rows otherwise). The engine has no paging of its
// own, so its compiled statement is wrapped: the keyset condition on the
// exact numeric cost and the group value (cost DESC, value ASC in byte
// order, NULL last) runs on the engine's positional columns (g0, m0..).
import { canonicalJson } from '../../cache/canonical-json.js';
import { scopeKey, type Principal } from '../../auth/principal.js';
import { appError } from '../../errors.js';
import { SqlParams } from '../../query/compile.js';
import { decodeCursor, encodeCursor, queryHash } from '../../query/cursor.js';
import { ATTRIBUTES_PREFIX } from '../../query/fields.js';
import { canonicalFilter } from '../../query/request.js';
import { echo } from '../../query/validate.js';
import { compileMetricsQuery } from '../compile-metrics.js';
import { planMetricsQuery } from '../planner.js';
import { COST_METRICS, costFigures, type CostFigures } from './cost-summary.js';
import { decimalParam, intParam, reportQuery, text, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import { planSessionMode, type MetricsRow } from '../metrics-service.js';
import { engineRequest, engineRows, noteSource, num0, ratio, round, type ReportContext } from './report-context.js';
import { runReport, type ReportOutput, type ReportRunner } from './report-service.js';

export const ATTRIBUTION_PARAMS: ParamSpec = {
  dimension: { kind: 'text', maxLength: 1200 },
  min_cost: { kind: 'number' },
  limit: { kind: 'int' },
  cursor: { kind: 'text', maxLength: 2048 },
};
export const ATTRIBUTION_LIMITS = { defaultLimit: 50, maxLimit: 100 } as const;

/** The dimension names of the contract -> the engine's group_by names. */
const DIMENSIONS: Readonly<Record<string, string>> = {
  user: 'user_id',
  project: 'project_id',
  model: 'model',
  provider: 'provider',
  environment: 'environment',
  tag: 'tags',
};
const DEFAULT_DIMENSION = 'model';

export interface AttributionRequest {
  query: ReportQuery;
  dimension: string;
  /** The engine's group_by name of the dimension. */
  groupBy: string;
  /** Exact decimal text, or null. */
  minCost: string | null;
  limit: number;
  cursor: string | null;
}

function attributionRequest(raw: RawParams): AttributionRequest {
  const dimension = text(raw, 'dimension') ?? DEFAULT_DIMENSION;
  const groupBy = DIMENSIONS[dimension] ?? (dimension.startsWith(ATTRIBUTES_PREFIX) && dimension.length > ATTRIBUTES_PREFIX.length ? dimension : null);
  if (groupBy === null) {
    throw appError.ATTRIBUTION_DIMENSION_INVALID(`dimension must be one of ${Object.keys(DIMENSIONS).join(', ')} or attributes.<path> (got ${echo(dimension)})`, { path: 'dimension' });
  }
  return {
    query: reportQuery(raw, 'now-30d'),
    dimension,
    groupBy,
    minCost: decimalParam(raw, 'min_cost'),
    limit: intParam(raw, 'limit', ATTRIBUTION_LIMITS.defaultLimit, 1, ATTRIBUTION_LIMITS.maxLimit),
    cursor: text(raw, 'cursor') ?? null,
  };
}

export interface SplitItem {
  value: string | null;
  total_cost: number;
  request_count: number;
  share: number | null;
}

export interface AttributionItem extends CostFigures {
  value: string | null;
  /** Share of the range's total cost (all values, not only this page). */
  share: number | null;
  by_provider: SplitItem[];
  by_model: SplitItem[];
}

export interface AttributionReport {
  dimension: string;
  total_cost: number;
  items: AttributionItem[];
}

/** Where a page starts: after (cost, value) in (cost DESC, value ASC NULLS LAST) order. */
interface Keyset {
  cost: string;
  value: string | null;
}

/**
 * The hash a cursor is bound to: dimension, threshold, filter, the range as
 * requested and the caller's tenant scope.
 */
function attributionHash(principal: Principal, req: AttributionRequest): string {
  const q = req.query;
  return queryHash(
    canonicalJson(['attribution', req.groupBy, req.minCost, q.filter === null ? null : canonicalFilter(q.filter), q.from, q.to, q.projects, scopeKey(principal)]),
  );
}

/**
 * Decodes the cursor of a request: its keyset, and the request with the range
 * pinned to the instants of the first page (relative bounds do not drift).
 */
function pinCursor(principal: Principal, req: AttributionRequest, key: Uint8Array): { req: AttributionRequest; keyset: Keyset | null } {
  if (req.cursor === null) return { req, keyset: null };
  const c = decodeCursor(key, req.cursor, attributionHash(principal, req));
  let keyset: Keyset;
  try {
    const [cost, value] = JSON.parse(String(c.k)) as [unknown, unknown];
    if (typeof cost !== 'string' || !/^-?\d+(\.\d+)?$/.test(cost) || !(value === null || typeof value === 'string')) throw new Error('shape');
    keyset = { cost, value };
  } catch {
    throw appError.INVALID_CURSOR('malformed payload');
  }
  return { req: { ...req, query: { ...req.query, from: c.f ?? req.query.from, to: c.t } }, keyset };
}

interface RankRow {
  value: string | null;
  total_cost: string;
  n_all: string | number;
  total_all: string | null;
}

const RANK_METRICS = [{ metric: 'total_cost', aggregation: 'sum', alias: 'total_cost' }] as const;

/**
 * One page of groups ranked by exact cost (as text), plus the count of all
 * groups past min_cost and the cost of every group. Only the ranking metric
 * is aggregated over every group: a long tail (tens of thousands of users)
 * costs one sum per row instead of five, and the page's other figures are
 * read for its own values afterwards (pageDetails).
 */
async function rankPage(ctx: ReportContext, req: AttributionRequest, keyset: Keyset | null): Promise<RankRow[]> {
  const { req: metricsReq, range } = engineRequest(ctx, { metrics: [...RANK_METRICS], group_by: [req.groupBy] });
  const plan = planMetricsQuery(metricsReq, range.fromMs, range.toMs);
  const compiled = compileMetricsQuery({ req: metricsReq, plan, scope: ctx.scope, ...range, unordered: true });
  const params = new SqlParams();
  params.values.push(...compiled.params);
  // Engine columns: g0 = the group, m0 = the cost.
  const min = req.minCost === null ? 'true' : `m0 >= ${params.append(req.minCost, 'numeric')}`;
  let after = 'true';
  if (keyset !== null) {
    const c = params.append(keyset.cost, 'numeric');
    after =
      keyset.value === null
        ? `m0 < ${c}`
        : `(m0 < ${c} OR (m0 = ${c} AND (g0::text COLLATE "C" > ${params.append(keyset.value, 'text')} OR g0 IS NULL)))`;
  }
  // n_all: groups past min_cost (pagination.total); total_all: the cost of every group (shares are of all spending).
  const sql =
    `SELECT g0::text AS value, m0::text AS total_cost, n_all, total_all` +
    ` FROM (SELECT e.g0, e.m0, count(*) FILTER (WHERE ${min}) OVER () AS n_all, (sum(m0) OVER ())::text AS total_all FROM (${compiled.sql}) e) k` +
    ` WHERE ${min} AND ${after} ORDER BY m0 DESC, g0::text COLLATE "C" ASC NULLS LAST LIMIT ${params.append(req.limit + 1, 'bigint')}`;
  const res = await ctx.db.query<RankRow>(sql, params.values, {
    kind: 'metrics',
    signal: ctx.signal,
    requestId: ctx.requestId,
    shape: `report attribution source=${plan.source}`,
    ...planSessionMode(plan, metricsReq),
  });
  noteSource(ctx, plan.source);
  return res.rows;
}

interface PageDetails {
  /** Per value: its figures besides the ranked cost. */
  figures: Map<string | null, MetricsRow>;
  byProvider: Map<string | null, SplitItem[]>;
  byModel: Map<string | null, SplitItem[]>;
}

/** Money summed in JavaScript, back to the API's precision (the stored sums are exact decimals). */
const money = (v: number) => round(v) ?? 0;

/** Byte order of values, null last: the order the ranking's ties use. */
function valueOrder(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** One split (by provider or by model) of every page value, most expensive first, shares of the value's cost. */
function splitOf(rows: readonly MetricsRow[], dimension: string, by: 'provider' | 'model'): Map<string | null, SplitItem[]> {
  const acc = new Map<string | null, Map<string | null, { cost: number; requests: number }>>();
  for (const r of rows) {
    const key = r[dimension] === null ? null : String(r[dimension]);
    const part = r[by] === null ? null : String(r[by]);
    let perValue = acc.get(key);
    if (perValue === undefined) acc.set(key, (perValue = new Map()));
    const cur = perValue.get(part) ?? { cost: 0, requests: 0 };
    perValue.set(part, { cost: cur.cost + num0(r, 'total_cost'), requests: cur.requests + num0(r, 'request_count') });
  }
  const out = new Map<string | null, SplitItem[]>();
  for (const [key, perValue] of acc) {
    const items = [...perValue].map(([value, f]): SplitItem => ({ value, total_cost: money(f.cost), request_count: f.requests, share: null }));
    items.sort((a, b) => b.total_cost - a.total_cost || valueOrder(a.value, b.value));
    const total = items.reduce((sum, i) => sum + i.total_cost, 0);
    for (const i of items) i.share = ratio(i.total_cost, total);
    out.set(key, items);
  }
  return out;
}

/**
 * The page's values in detail: one engine query filtered to them, grouped
 * by (value, provider, model), gives their other figures and both splits
 * (three separate queries read the same rows three times).
 */
async function pageDetails(ctx: ReportContext, req: AttributionRequest, page: RankRow[]): Promise<PageDetails> {
  if (page.length === 0) return { figures: new Map(), byProvider: new Map(), byModel: new Map() };
  const dimension = req.groupBy;
  const rows = await engineRows(ctx, {
    metrics: COST_METRICS,
    group_by: [...new Set([dimension, 'provider', 'model'])],
    filter: valuesFilter(dimension, page.map((r) => r.value)),
  });
  const figures = new Map<string | null, MetricsRow>();
  for (const r of rows) {
    const key = r[dimension] === null ? null : String(r[dimension]);
    const f = figures.get(key) ?? { prompt_cost: 0, completion_cost: 0, request_count: 0, total_tokens: 0 };
    figures.set(key, {
      prompt_cost: money(num0(f, 'prompt_cost') + num0(r, 'prompt_cost')),
      completion_cost: money(num0(f, 'completion_cost') + num0(r, 'completion_cost')),
      request_count: num0(f, 'request_count') + num0(r, 'request_count'),
      total_tokens: num0(f, 'total_tokens') + num0(r, 'total_tokens'),
    });
  }
  return { figures, byProvider: splitOf(rows, dimension, 'provider'), byModel: splitOf(rows, dimension, 'model') };
}

/** A filter matching the spans of the given group values (null: spans without one). */
function valuesFilter(groupBy: string, values: (string | null)[]): unknown {
  const present = values.filter((v): v is string => v !== null);
  // Spans without tags cannot be selected by a tags predicate: read every tag group then.
  if (groupBy === 'tags') return present.length === values.length ? { field: 'tags', operator: 'in', value: present } : null;
  // Attribute values come back as text: match the JSON string, number or boolean it was.
  const list = groupBy.startsWith(ATTRIBUTES_PREFIX)
    ? present.flatMap((v) => [v, ...(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? [Number(v)] : []), ...(v === 'true' || v === 'false' ? [v === 'true'] : [])])
    : present;
  const parts: unknown[] = [];
  if (list.length > 0) parts.push({ field: groupBy, operator: 'in', value: list });
  if (present.length < values.length) parts.push({ field: groupBy, operator: 'eq', value: null });
  return parts.length === 1 ? parts[0] : { operator: 'OR', filters: parts };
}

async function attributionReport(
  ctx: ReportContext,
  req: AttributionRequest,
  keyset: Keyset | null,
  cursorFor: (k: Keyset) => string,
): Promise<ReportOutput<AttributionReport>> {
  const rows = await rankPage(ctx, req, keyset);
  const page = rows.slice(0, req.limit);
  const { figures, byProvider, byModel } = await pageDetails(ctx, req, page);
  const totalAll = rows[0]?.total_all ?? null;
  const total = totalAll === null ? 0 : Number(totalAll);
  const items = page.map(
    (r): AttributionItem => ({
      value: r.value,
      ...costFigures({ ...figures.get(r.value), total_cost: r.total_cost }),
      share: ratio(Number(r.total_cost), total),
      by_provider: byProvider.get(r.value) ?? [],
      by_model: byModel.get(r.value) ?? [],
    }),
  );
  const last = page[page.length - 1];
  const hasMore = rows.length > req.limit;
  return {
    data: { dimension: req.dimension, total_cost: total, items },
    pagination: {
      cursor: hasMore && last ? cursorFor({ cost: last.total_cost, value: last.value }) : null,
      has_more: hasMore,
      limit: req.limit,
      total: rows.length === 0 ? null : Number(rows[0]!.n_all),
    },
  };
}

/** The cursor text of a keyset, bound to the request and its pinned range. */
function attributionCursor(principal: Principal, req: AttributionRequest, key: Uint8Array, range: { from: string; to: string }, k: Keyset): string {
  return encodeCursor(key, { h: attributionHash(principal, req), k: JSON.stringify([k.cost, k.value]), i: 0, f: range.from, t: range.to });
}

/** The attribution report as one call: the cursor pins the range and the keyset, the next page's cursor is bound to the request. */
export function attributionRunner(cursorKey: Uint8Array): ReportRunner {
  return (principal, raw, env) => {
    const asked = attributionRequest(raw);
    const { req, keyset } = pinCursor(principal, asked, cursorKey);
    const key = { groupBy: req.groupBy, minCost: req.minCost, limit: req.limit, keyset };
    return runReport(principal, { name: 'cost-attribution' }, req.query, key, { ...env, ...(req.cursor ? { cache: null } : {}) }, (ctx) =>
      attributionReport(ctx, req, keyset, (k) =>
        attributionCursor(principal, asked, cursorKey, { from: new Date(ctx.fromMs).toISOString(), to: new Date(ctx.toMs).toISOString() }, k),
      ),
    );
  };
}

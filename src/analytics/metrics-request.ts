// Wire -> MetricsRequest. POST /metrics/query and GET /metrics both end here;
// the filter goes through the search DSL's own validate + normalize, so the
// metrics API accepts exactly the filters search accepts.
import { appError } from '../errors.js';
import type { FilterNode } from '../query/ast.js';
import { parseAttributePath } from '../query/attribute-path.js';
import { lookupField, ATTRIBUTES_PREFIX, type Column } from '../query/fields.js';
import { normalize } from '../query/normalize.js';
import { requireTimeBound } from '../query/request.js';
import { echo, validateFilter } from '../query/validate.js';
import { AGGREGATIONS, GROUP_COLUMNS, lookupMetric, METRICS, type Aggregation, type MetricDef } from './catalog.js';
import { INTERVAL_SPELLINGS, isTimeZone, lookupInterval, type IntervalDef } from './intervals.js';

export interface MetricSpec {
  readonly metric: MetricDef;
  readonly aggregation: Aggregation;
  /** Output key: as requested, or `<metric>` / `<metric>_<aggregation>`. */
  readonly alias: string;
}

export type GroupSpec =
  | { readonly kind: 'column'; readonly name: string; readonly column: Column }
  | { readonly kind: 'tags'; readonly name: string }
  | { readonly kind: 'attribute'; readonly name: string; readonly path: readonly string[] };

export const HAVING_OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'ne'] as const;
export type HavingOperator = (typeof HAVING_OPERATORS)[number];

export interface HavingSpec {
  readonly alias: string;
  readonly op: HavingOperator;
  readonly value: number;
}

export interface MetricsRequest {
  readonly metrics: readonly MetricSpec[];
  /** null: one total per group, no timestamp. */
  readonly interval: IntervalDef | null;
  /** Bounds as requested (relative forms kept, resolved per run). */
  readonly from: string;
  readonly to: string | null;
  readonly timeZone: string;
  readonly groupBy: readonly GroupSpec[];
  readonly filter: FilterNode | null;
  readonly having: readonly HavingSpec[];
  /** Alias, group name or `timestamp`; null: timestamp then groups, ascending. */
  readonly sort: { readonly key: string; readonly desc: boolean } | null;
  readonly limit: number;
  readonly fill: 'zero' | 'null' | null;
  /** Projects the caller narrowed the query to (GET project_id), checked against the token by the service. */
  readonly projects: readonly string[] | null;
}

export const METRICS_LIMITS = Object.freeze({
  maxMetrics: 20,
  maxGroupBy: 5,
  maxHaving: 10,
  defaultLimit: 1000,
  maxLimit: 10_000,
  /** Distinct groups of a time series answer (interval set). */
  maxSeries: 1000,
  /** Buckets per series. */
  maxPoints: 10_080,
  /** Rows `fill` may create (series x buckets). */
  maxFilledPoints: 200_000,
});

export const DEFAULT_FROM = 'now-24h';
const ALIAS_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The POST body after its JSON schema check (top-level types known). */
export interface MetricsBody {
  metrics?: { metric?: string; aggregation?: string | null; alias?: string | null }[];
  interval?: string | null;
  from?: string | null;
  to?: string | null;
  time_zone?: string | null;
  group_by?: string[];
  filter?: unknown;
  having?: { alias?: string; operator?: string; value?: unknown }[];
  sort_by?: string | null;
  sort_desc?: boolean;
  limit?: number;
  fill?: string | null;
}

export function metricsRequestFromBody(body: MetricsBody): MetricsRequest {
  if (!body.metrics || body.metrics.length === 0) throw appError.BAD_REQUEST('metrics must list at least one metric', { path: 'metrics' });
  const metrics = body.metrics.map((m, i) => metricSpec(m.metric, m.aggregation ?? undefined, m.alias ?? undefined, `metrics[${i}]`));
  return finish({
    metrics,
    interval: body.interval ?? null,
    from: body.from ?? null,
    to: body.to ?? null,
    timeZone: body.time_zone ?? null,
    groupBy: body.group_by ?? [],
    filter: body.filter === undefined || body.filter === null ? null : normalize(validateFilter(body.filter, 'filter')),
    having: body.having ?? [],
    sortBy: body.sort_by ?? null,
    sortDesc: body.sort_desc,
    limit: body.limit,
    fill: body.fill ?? null,
    projects: null,
  });
}

/** GET /metrics query parameters after the querystring schema (all strings, no unknown keys). */
export const METRICS_QUERY_PARAMS = [
  'metrics', 'interval', 'from', 'to', 'time_zone', 'group_by', 'sort_by', 'sort_desc', 'limit', 'fill',
  'project_id', 'provider', 'model', 'environment', 'status', 'span_name', 'user_id', 'session_id',
] as const;
export type MetricsQuery = Partial<Record<(typeof METRICS_QUERY_PARAMS)[number], string>>;

// Shorthand equality filters of the GET form, as in GET /traces.
const QUERY_FILTERS: ReadonlyArray<readonly [keyof MetricsQuery, string]> = [
  ['provider', 'provider'],
  ['model', 'model'],
  ['environment', 'environment'],
  ['status', 'status_code'],
  ['span_name', 'span_name'],
  ['user_id', 'user_id'],
  ['session_id', 'session_id'],
];

/** `metrics=total_cost:sum,duration:p95` (alias: `name:agg:alias`). */
export function metricsRequestFromQuery(q: MetricsQuery): MetricsRequest {
  const list = (q.metrics ?? '').split(',').filter((s) => s !== '');
  if (list.length === 0) throw appError.BAD_REQUEST('query.metrics must list at least one metric, e.g. request_count,duration:p95', { path: 'query.metrics' });
  const metrics = list.map((item, i) => {
    const [metric, aggregation, alias, extra] = item.split(':');
    if (extra !== undefined) throw appError.BAD_REQUEST(`query.metrics[${i}] must be metric[:aggregation[:alias]] (got ${echo(item)})`, { path: 'query.metrics' });
    return metricSpec(metric, aggregation || undefined, alias || undefined, `query.metrics[${i}]`);
  });
  const leaves = QUERY_FILTERS.filter(([p]) => q[p] !== undefined).map(([p, field]) => ({ field, operator: 'eq', value: q[p]! }));
  let limit: number | undefined;
  if (q.limit !== undefined) {
    limit = /^\d{1,6}$/.test(q.limit) ? Number(q.limit) : -1;
  }
  if (q.sort_desc !== undefined && q.sort_desc !== 'true' && q.sort_desc !== 'false') {
    throw appError.BAD_REQUEST('query.sort_desc must be true or false', { path: 'query.sort_desc' });
  }
  return finish({
    metrics,
    interval: q.interval ?? null,
    from: q.from ?? null,
    to: q.to ?? null,
    timeZone: q.time_zone ?? null,
    groupBy: q.group_by === undefined ? [] : q.group_by.split(','),
    filter: leaves.length === 0 ? null : normalize(validateFilter({ operator: 'AND', filters: leaves }, 'query')),
    having: [],
    sortBy: q.sort_by ?? null,
    sortDesc: q.sort_desc === undefined ? undefined : q.sort_desc === 'true',
    limit,
    fill: q.fill ?? null,
    projects: q.project_id === undefined ? null : [q.project_id],
  });
}

function metricSpec(name: string | undefined, aggregation: string | undefined, alias: string | undefined, path: string): MetricSpec {
  const metric = name === undefined ? undefined : lookupMetric(name);
  if (!metric) {
    throw appError.BAD_REQUEST(`${path}.metric must be one of ${METRICS.map((m) => m.name).join(', ')} (got ${echo(String(name))})`, { path: `${path}.metric` });
  }
  let agg = metric.defaultAggregation;
  if (aggregation !== undefined) {
    if (!(AGGREGATIONS as readonly string[]).includes(aggregation) || !metric.aggregations.includes(aggregation as Aggregation)) {
      throw appError.BAD_REQUEST(`${path}.aggregation of ${metric.name} must be one of ${metric.aggregations.join(', ')} (got ${echo(aggregation)})`, {
        path: `${path}.aggregation`,
      });
    }
    agg = aggregation as Aggregation;
  }
  const out = alias ?? (aggregation === undefined ? metric.name : `${metric.name}_${agg}`);
  if (!ALIAS_RE.test(out)) throw appError.BAD_REQUEST(`${path}.alias must match ${ALIAS_RE.source} (got ${echo(out)})`, { path: `${path}.alias` });
  return { metric, aggregation: agg, alias: out };
}

interface Draft {
  metrics: MetricSpec[];
  interval: string | null;
  from: string | null;
  to: string | null;
  timeZone: string | null;
  groupBy: string[];
  filter: FilterNode | null;
  having: { alias?: string; operator?: string; value?: unknown }[];
  sortBy: string | null;
  sortDesc: boolean | undefined;
  limit: number | undefined;
  fill: string | null;
  projects: string[] | null;
}

function finish(d: Draft): MetricsRequest {
  if (d.metrics.length > METRICS_LIMITS.maxMetrics) throw appError.BAD_REQUEST(`metrics has more than ${METRICS_LIMITS.maxMetrics} entries`, { path: 'metrics' });
  const aliases = new Set<string>();
  d.metrics.forEach((m, i) => {
    if (aliases.has(m.alias)) throw appError.BAD_REQUEST(`metrics[${i}].alias ${echo(m.alias)} is used twice`, { path: `metrics[${i}].alias` });
    aliases.add(m.alias);
  });

  let interval: IntervalDef | null = null;
  if (d.interval !== null) {
    interval = lookupInterval(d.interval) ?? null;
    if (!interval) throw appError.BAD_REQUEST(`interval must be one of ${INTERVAL_SPELLINGS.join(', ')} or null (got ${echo(d.interval)})`, { path: 'interval' });
  }
  const timeZone = d.timeZone ?? 'UTC';
  if (timeZone.length > 64 || !isTimeZone(timeZone)) throw appError.BAD_REQUEST(`time_zone must be an IANA time zone name (got ${echo(timeZone)})`, { path: 'time_zone' });

  if (d.groupBy.length > METRICS_LIMITS.maxGroupBy) throw appError.BAD_REQUEST(`group_by takes at most ${METRICS_LIMITS.maxGroupBy} entries`, { path: 'group_by' });
  const groupBy = d.groupBy.map((g, i) => groupSpec(g, `group_by[${i}]`));
  const names = new Set<string>(['timestamp']);
  groupBy.forEach((g, i) => {
    if (names.has(g.name)) throw appError.BAD_REQUEST(`group_by[${i}] ${echo(g.name)} is listed twice`, { path: `group_by[${i}]` });
    names.add(g.name);
  });
  d.metrics.forEach((m, i) => {
    if (names.has(m.alias)) throw appError.BAD_REQUEST(`metrics[${i}].alias ${echo(m.alias)} collides with a group_by or timestamp key`, { path: `metrics[${i}].alias` });
  });

  if (d.having.length > METRICS_LIMITS.maxHaving) throw appError.BAD_REQUEST(`having takes at most ${METRICS_LIMITS.maxHaving} conditions`, { path: 'having' });
  const having = d.having.map((h, i): HavingSpec => {
    const path = `having[${i}]`;
    if (typeof h.alias !== 'string' || !aliases.has(h.alias)) throw appError.BAD_REQUEST(`${path}.alias must name a metric alias of this query`, { path: `${path}.alias` });
    const op = String(h.operator ?? '').toLowerCase();
    if (!(HAVING_OPERATORS as readonly string[]).includes(op)) throw appError.BAD_REQUEST(`${path}.operator must be one of ${HAVING_OPERATORS.join(', ')}`, { path: `${path}.operator` });
    if (typeof h.value !== 'number' || !Number.isFinite(h.value)) throw appError.BAD_REQUEST(`${path}.value must be a number`, { path: `${path}.value` });
    return { alias: h.alias, op: op as HavingOperator, value: h.value };
  });

  let sort: MetricsRequest['sort'] = null;
  if (d.sortBy !== null) {
    if (!aliases.has(d.sortBy) && !names.has(d.sortBy)) {
      throw appError.BAD_REQUEST(`sort_by must be a metric alias, a group_by key or timestamp (got ${echo(d.sortBy)})`, { path: 'sort_by' });
    }
    if (d.sortBy === 'timestamp' && interval === null) throw appError.BAD_REQUEST('sort_by timestamp needs an interval', { path: 'sort_by' });
    // Metrics sort largest first by default (top-N), keys smallest first.
    sort = { key: d.sortBy, desc: d.sortDesc ?? aliases.has(d.sortBy) };
  }

  const limit = d.limit ?? METRICS_LIMITS.defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > METRICS_LIMITS.maxLimit) {
    throw appError.BAD_REQUEST(`limit must be an integer from 1 to ${METRICS_LIMITS.maxLimit}`, { path: 'limit' });
  }
  if (d.fill !== null && d.fill !== 'zero' && d.fill !== 'null') throw appError.BAD_REQUEST(`fill must be zero, null or absent (got ${echo(d.fill)})`, { path: 'fill' });
  if (d.fill !== null && interval === null) throw appError.BAD_REQUEST('fill needs an interval', { path: 'fill' });

  return {
    metrics: d.metrics,
    interval,
    from: requireTimeBound(d.from ?? DEFAULT_FROM, 'from'),
    to: d.to === null ? null : requireTimeBound(d.to, 'to'),
    timeZone,
    groupBy,
    filter: d.filter,
    having,
    sort,
    limit,
    fill: d.fill,
    projects: d.projects,
  };
}

function groupSpec(name: string, path: string): GroupSpec {
  if (name === 'tags') return { kind: 'tags', name };
  if (name.startsWith(ATTRIBUTES_PREFIX)) {
    const keys = parseAttributePath(name.slice(ATTRIBUTES_PREFIX.length));
    if (!Array.isArray(keys)) throw appError.BAD_REQUEST(`${path} ${echo(name)} ${keys.error}`, { path });
    return { kind: 'attribute', name, path: keys };
  }
  const f = lookupField(name);
  if (!f || !GROUP_COLUMNS.includes(f.column)) {
    throw appError.BAD_REQUEST(`${path} must be one of ${GROUP_COLUMNS.join(', ')}, tags or attributes.<path> (got ${echo(name)})`, { path });
  }
  return { kind: 'column', name, column: f.column };
}

/** A from/to bound in canonical form (a 400 INVALID_TIME_RANGE on `path` otherwise). */
/** Canonical, value-complete text of a request: the cache key's query part. */
export function canonicalMetricsRequest(r: MetricsRequest, filterKey: (f: FilterNode) => unknown): unknown {
  return [
    r.metrics.map((m) => [m.metric.name, m.aggregation, m.alias]),
    r.interval?.name ?? null,
    r.from,
    r.to,
    r.timeZone,
    r.groupBy.map((g) => (g.kind === 'attribute' ? ['attributes', ...g.path] : g.name)),
    r.filter === null ? null : filterKey(r.filter),
    r.having.map((h) => [h.alias, h.op, h.value]),
    r.sort === null ? null : [r.sort.key, r.sort.desc],
    r.limit,
    r.fill,
    r.projects,
  ];
}


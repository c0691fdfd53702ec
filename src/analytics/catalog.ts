// The metrics, aggregations, group-by dimensions and rollup identifiers of the
// metrics query API: one registry, read by the request parser, the planner and
// the SQL builder. Identifiers here are SQL text; like the span field registry
// they carry the Column brand and never come from user input.
import { lookupField, type Column } from '../query/fields.js';

export const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count', 'p50', 'p90', 'p95', 'p99'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];
export const PERCENTILES: Readonly<Partial<Record<Aggregation, number>>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** A numeric span column as the rollups keep it: `<prefix>_sum`, `_n` (non-null count), `_min`, `_max`. */
export interface Measure {
  readonly prefix: string;
  /** The raw column in llm_traces. */
  readonly column: Column;
  /** Metric id in the llm_latency_* histograms, when percentiles come from them. */
  readonly histogram?: 1 | 2;
}

const col = (name: string) => name as Column;
const rawColumn = (name: string): Column => {
  const f = lookupField(name);
  if (!f) throw new Error(`unknown span field ${name}`);
  return f.column;
};
const measure = (prefix: string, field: string, histogram?: 1 | 2): Measure =>
  Object.freeze({ prefix, column: rawColumn(field), ...(histogram ? { histogram } : {}) });

export type MetricKind = 'count' | 'rate' | 'throughput' | 'measure' | 'distinct';
/** Which count a count or rate metric reads. */
export type CountPart = 'request_count' | 'error_count' | 'success_count';

export interface MetricDef {
  readonly name: string;
  readonly kind: MetricKind;
  readonly defaultAggregation: Aggregation;
  readonly aggregations: readonly Aggregation[];
  /** Returns money: needs read:costs. */
  readonly cost: boolean;
  readonly count?: CountPart;
  readonly measure?: Measure;
  /** The raw column counted distinct. */
  readonly distinct?: Column;
}

const ALL: readonly Aggregation[] = AGGREGATIONS;
const COUNT_AGGS: readonly Aggregation[] = ['sum', 'count'];
// Rates and throughput are computed per bucket from counts: no aggregation of their own.
const RATE_AGGS: readonly Aggregation[] = ['avg'];

function def(name: string, kind: MetricKind, extra: Partial<MetricDef> = {}): MetricDef {
  const aggregations = kind === 'measure' ? ALL : kind === 'count' ? COUNT_AGGS : kind === 'distinct' ? (['count'] as const) : RATE_AGGS;
  const defaultAggregation: Aggregation =
    kind === 'measure' ? (extra.measure?.histogram ? 'avg' : 'sum') : kind === 'count' ? 'sum' : kind === 'distinct' ? 'count' : 'avg';
  return Object.freeze({ name, kind, aggregations, defaultAggregation, cost: false, ...extra });
}

export const METRICS: readonly MetricDef[] = Object.freeze([
  def('request_count', 'count', { count: 'request_count' }),
  def('error_count', 'count', { count: 'error_count' }),
  def('success_count', 'count', { count: 'success_count' }),
  def('error_rate', 'rate', { count: 'error_count' }),
  def('success_rate', 'rate', { count: 'success_count' }),
  def('total_cost', 'measure', { cost: true, measure: measure('total_cost', 'total_cost_usd') }),
  def('prompt_cost', 'measure', { cost: true, measure: measure('prompt_cost', 'prompt_cost_usd') }),
  def('completion_cost', 'measure', { cost: true, measure: measure('completion_cost', 'completion_cost_usd') }),
  def('total_tokens', 'measure', { measure: measure('total_tokens', 'total_tokens') }),
  def('prompt_tokens', 'measure', { measure: measure('prompt_tokens', 'prompt_tokens') }),
  def('completion_tokens', 'measure', { measure: measure('completion_tokens', 'completion_tokens') }),
  def('duration', 'measure', { measure: measure('duration', 'duration_ms', 1) }),
  def('ttft', 'measure', { measure: measure('ttft', 'ttft_ms', 2) }),
  def('throughput', 'throughput', { count: 'request_count' }),
  def('unique_users', 'distinct', { distinct: rawColumn('user_id') }),
  def('unique_sessions', 'distinct', { distinct: rawColumn('session_id') }),
]);

const METRIC_BY_NAME: ReadonlyMap<string, MetricDef> = new Map(METRICS.map((m) => [m.name, m]));
export function lookupMetric(name: string): MetricDef | undefined {
  return METRIC_BY_NAME.get(name);
}

/** Span columns some rollup family is keyed by (besides the time bucket). */
export const ROLLUP_DIMENSIONS: readonly Column[] = ['project_id', 'provider', 'model', 'environment', 'status_code', 'span_name', 'user_id'].map(rawColumn);
/** The one distinct count a rollup answers exactly: count(DISTINCT user_id) over the user family's rows. */
export const USER_COLUMN = rawColumn('user_id');

/** Plain span columns group_by accepts; tags and attributes.<path> are handled apart. */
export const GROUP_COLUMNS: readonly Column[] = [...ROLLUP_DIMENSIONS, rawColumn('session_id')];
export const TAGS_COLUMN = rawColumn('tags');
export const TS_COLUMN = rawColumn('ts');
export const BUCKET_COLUMN = col('bucket');
/** The first and the last span of a user's day in llm_rollup_user_1d (migration 0015). */
export const USER_DAY_FIRST_TS = col('ts_min');
export const USER_DAY_LAST_TS = col('ts_max');

export type Grain = '1m' | '1h' | '1d' | '1w';
/** Coarsest first: the planner tries them in this order. */
export const GRAINS: readonly Grain[] = ['1w', '1d', '1h', '1m'];
export const GRAIN_MS: Readonly<Record<Grain, number>> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000, '1w': 7 * 86_400_000 };
/**
 * Where buckets of a grain start, in ms after a multiple of its length since the epoch: UTC
 * minutes, hours and days at 0; weeks on Mondays (date_trunc('week'), 1970-01-05 was a Monday).
 */
export const GRAIN_ORIGIN_MS: Readonly<Record<Grain, number>> = { '1m': 0, '1h': 0, '1d': 0, '1w': 4 * 86_400_000 };

export type FamilyName = 'project' | 'status' | 'model' | 'user' | 'user_model' | 'wide';

/**
 * A set of rollup tables keyed by the same dimensions (besides project_id and
 * the bucket): migrations 0003 (wide), 0008 (project, status, model) and 0010
 * (user; histograms as arrays, per hour in every family).
 */
export interface RollupFamily {
  readonly name: FamilyName;
  /** Span columns of the key, project_id included. */
  readonly dimensions: readonly Column[];
  readonly tables: Readonly<Partial<Record<Grain, Column>>>;
  /** Latency histograms: one row per (key, bucket, metric), bins and counts as arrays. */
  readonly histograms: Readonly<Partial<Record<Grain, Column>>>;
}

const family = (name: FamilyName, dims: readonly string[], grains: readonly Grain[], histGrains: readonly Grain[]): RollupFamily => {
  const infix = name === 'wide' ? '' : `${name}_`;
  return Object.freeze({
    name,
    dimensions: ['project_id', ...dims].map(rawColumn),
    tables: Object.fromEntries(grains.map((g) => [g, col(`llm_rollup_${infix}${g}`)])),
    histograms: Object.fromEntries(histGrains.map((g) => [g, col(`llm_latency_${infix}${g}`)])),
  });
};

/**
 * Smallest first (fewest rows per bucket at the same grain): the planner
 * reads, per grain, the first family whose key covers the query.
 */
export const ROLLUP_FAMILIES: readonly RollupFamily[] = Object.freeze([
  family('project', [], ['1m', '1h', '1d'], ['1h', '1d']),
  family('status', ['environment', 'status_code'], ['1m', '1h', '1d'], ['1h', '1d']),
  family('model', ['provider', 'model'], ['1h', '1d'], ['1h', '1d']),
  // Per user only per day and week (migration 0016): tens of thousands of users make finer grains
  // as large as the spans; a week holds an active user's days in one row.
  family('user', ['user_id'], ['1w', '1d'], []),
  // A user's spending split by provider and model (cost attribution per user).
  family('user_model', ['user_id', 'provider', 'model'], ['1w', '1d'], []),
  family('wide', ['provider', 'model', 'environment', 'status_code', 'span_name'], ['1m', '1h', '1d'], ['1h', '1d']),
]);
const FAMILY_BY_NAME: ReadonlyMap<FamilyName, RollupFamily> = new Map(ROLLUP_FAMILIES.map((f) => [f.name, f]));
export function rollupFamily(name: FamilyName): RollupFamily {
  return FAMILY_BY_NAME.get(name)!;
}
/** Every rollup and histogram table, in the order the triggers maintain them. */
const MAINTENANCE_ORDER: readonly FamilyName[] = ['wide', 'project', 'status', 'model', 'user', 'user_model'];
export const ROLLUP_TABLES: readonly Column[] = [
  ...MAINTENANCE_ORDER.flatMap((n) => Object.values(rollupFamily(n).tables)),
  ...MAINTENANCE_ORDER.flatMap((n) => Object.values(rollupFamily(n).histograms)),
];
/** The report structures of migration 0010, maintained by the same triggers. */
export const ERROR_ROLLUP_TABLE = col('llm_rollup_error_1d');
export const TRACE_COSTS_TABLE = col('llm_trace_costs');

/** Rollup column of a measure statistic. */
export function measureColumn(m: Measure, stat: 'sum' | 'n' | 'min' | 'max'): Column {
  return col(`${m.prefix}_${stat}`);
}
export function countColumn(c: CountPart): Column {
  return col(c);
}

/**
 * Relative error bound of a percentile read from the histograms: bins have
 * ratio 1.02 and report the value with equal relative distance to both ends.
 */
export const HISTOGRAM_RATIO = 1.02;
export const PERCENTILE_RELATIVE_ERROR = (HISTOGRAM_RATIO - 1) / (HISTOGRAM_RATIO + 1);

// MetricsRequest + Plan -> one SQL statement. Pure, like the search compiler
// it builds on: the filter is compiled by query/compile.ts (once, its
// placeholders reused by every segment), identifiers come from the field
// registry and the analytics catalog, every value is a SqlParams parameter.
// Output columns have positional names (__ts, g0.., m0..): aliases and group
// names chosen by users never become SQL text.
//
// Shape:
//   p  = UNION ALL of the plan's segments, each pre-aggregated per (bucket, groups)
//   a  = p merged: sums of sums and counts, min of mins, max of maxes
//   d  = distinct users over the segments' (bucket, groups, user_id) rows (rollup mode only)
//   pc = percentiles from the latency histograms, when having or sort_by names
//        one (rollup mode only); otherwise a second statement returns the
//        histogram rows and the service merges them (mergeHistograms)
//   f  = every (bucket, series) pair, when fill is asked for
//   c  = a + pc + f merged per (bucket, groups) (GROUP BY treats NULL groups as equal)
//   then metric expressions, having, sort, limit.
import { compileNode, SqlParams, type CompiledSql } from '../query/compile.js';
import { TABLE, type Column } from '../query/fields.js';
import { scopeSql } from '../traces/page-sql.js';
import {
  BUCKET_COLUMN,
  GRAIN_MS,
  USER_COLUMN,
  countColumn,
  measureColumn,
  PERCENTILES,
  rollupFamily,
  TAGS_COLUMN,
  TS_COLUMN,
  USER_DAY_FIRST_TS,
  USER_DAY_LAST_TS,
  type Measure,
} from './catalog.js';
import { bucketSql, fillStep, isBucketStart, usesTimeZone } from './intervals.js';
import { METRICS_LIMITS, type HavingOperator, type MetricsRequest } from './metrics-request.js';
import { usedColumns, userFamilyFor, type OpenBucketGuard, type Plan, type Segment } from './planner.js';

/**
 * The condition of a guarded segment (the open bucket at the end of a range,
 * or the finer stitching it replaces): whether any span in the tenant scope
 * has a ts in the guard's range. Uncorrelated, so PostgreSQL runs it once per
 * statement as an InitPlan (one index probe) and skips the scan it gates.
 * The scope is the only condition: a span outside the query's filter but
 * inside the range only sends the query the finer way, never to a wrong sum.
 */
export function openBucketCondition(guard: OpenBucketGuard, scope: string | null, params: SqlParams): string {
  const conds = [
    ...(scope === null ? [] : [scope]),
    `${TS_COLUMN} >= ${params.append(new Date(guard.fromMs).toISOString(), 'timestamptz')}`,
    `${TS_COLUMN} < ${params.append(new Date(guard.toMs).toISOString(), 'timestamptz')}`,
  ];
  return `${guard.when === 'empty' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${TABLE} WHERE ${conds.join(' AND ')})`;
}

/** One pre-aggregated column of p/a: how raw rows, rollup rows and partials produce it. */
interface Part {
  readonly name: string;
  readonly raw: string;
  readonly rollup: string;
  readonly merge: 'sum' | 'min' | 'max';
  /**
   * What one span and one rollup row contribute before the merge aggregate
   * (`merge` over these equals `merge` over the segments' aggregates); null
   * where only a whole raw segment can compute it (exact distinct counts and
   * percentiles, which never share a statement with another segment).
   */
  readonly rawRow: string | null;
  readonly rollupRow: string | null;
}

/** A percentile the service computes from histogram rows: output column m<index>. */
export interface HistogramPart {
  readonly index: number;
  readonly metric: 1 | 2;
  readonly q: number;
}

export interface CompiledMetricsQuery extends CompiledSql {
  /** Whether the statement returns __series (time series with groups). */
  readonly countsSeries: boolean;
  /**
   * Rollup-mode percentiles left to the service: a statement returning
   * (__ts, g0.., metric, packed) rows to merge per (bucket, groups),
   * and which output columns they fill.
   */
  readonly histogram?: CompiledSql & { readonly parts: readonly HistogramPart[] };
}

export interface MetricsQueryInput {
  readonly req: MetricsRequest;
  readonly plan: Plan;
  readonly fromMs: number;
  readonly toMs: number;
  /** Project ids the query is limited to; null = all (admin). */
  readonly scope: readonly string[] | null;
  /**
   * Every row, in no order, without __total or the limit: for a caller that
   * wraps the statement in its own ranking and paging (cost attribution), so
   * the groups are not sorted and counted twice.
   */
  readonly unordered?: boolean;
}

const HAVING_SQL: Readonly<Record<HavingOperator, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', ne: '<>' };

function countPart(c: 'request_count' | 'error_count' | 'success_count'): Part {
  const raw =
    c === 'request_count'
      ? 'count(*)'
      : c === 'error_count'
        ? `count(*) FILTER (WHERE status_code = 'ERROR')`
        : `count(*) FILTER (WHERE status_code IN ('OK', 'SUCCESS'))`;
  const rawRow =
    c === 'request_count' ? '1::bigint' : c === 'error_count' ? `CASE WHEN status_code = 'ERROR' THEN 1 ELSE 0 END` : `CASE WHEN status_code IN ('OK', 'SUCCESS') THEN 1 ELSE 0 END`;
  return { name: c, raw, rollup: `sum(${countColumn(c)})`, merge: 'sum', rawRow, rollupRow: countColumn(c) };
}

function measurePart(m: Measure, stat: 'sum' | 'n' | 'min' | 'max'): Part {
  const col = measureColumn(m, stat);
  switch (stat) {
    case 'sum':
      return { name: col, raw: `coalesce(sum(${m.column}), 0)`, rollup: `sum(${col})`, merge: 'sum', rawRow: `coalesce(${m.column}, 0)`, rollupRow: col };
    case 'n':
      return { name: col, raw: `count(${m.column})`, rollup: `sum(${col})`, merge: 'sum', rawRow: `CASE WHEN ${m.column} IS NULL THEN 0 ELSE 1 END`, rollupRow: col };
    default:
      return { name: col, raw: `${stat}(${m.column})`, rollup: `${stat}(${col})`, merge: stat, rawRow: m.column, rollupRow: col };
  }
}

/**
 * A bucket start as the API's ISO text (fixed width, so byte order is time
 * order): PostgreSQL formats a long series several times faster than the
 * driver parses timestamps into Dates.
 */
function isoText(col: string): string {
  return `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The rollup or histogram table of a rollup segment (the planner picked one that has it). */
export function segmentTable(s: Segment, kind: 'tables' | 'histograms'): Column {
  const t = s.source === 'raw' || s.family === undefined ? undefined : rollupFamily(s.family)[kind][s.source];
  if (t === undefined) throw new Error(`no ${kind} for segment ${s.family ?? ''} ${s.source}`);
  return t;
}

/** The SQL pieces every segment of a statement shares, their values appended to `params`. */
interface SqlEnv {
  /** The time zone placeholder, appended on first use (an unreferenced parameter has no type). */
  readonly tz: () => string;
  readonly rawGroups: readonly string[];
  readonly rollupGroups: readonly string[];
  readonly tagsJoin: string;
  readonly rawBucket: () => string;
  /** The output bucket of a rollup segment's rows. */
  readonly rollupBucket: (s: Segment) => string;
  readonly where: (timeCol: Column, s: Segment) => string;
  readonly groupByClause: (n: number) => string;
  readonly select: (bucket: string, groups: readonly string[], cols: readonly string[]) => string;
}

function sqlEnv(input: MetricsQueryInput, params: SqlParams): SqlEnv {
  const { req } = input;
  // Shared conditions: compiled once, their placeholders reused by every segment.
  const scope = input.scope === null ? null : scopeSql(input.scope, params);
  const filter = req.filter === null ? null : compileNode(req.filter, params);
  let tzParam: string | null = null;
  const tz = () => (usesTimeZone(req.interval) ? (tzParam ??= params.append(req.timeZone, 'text')) : '');
  const rawGroups = req.groupBy.map((g) => {
    switch (g.kind) {
      case 'column':
        return g.column;
      case 'tags':
        return 'tg.tag';
      case 'attribute':
        return `(attributes #>> ${params.append(g.path, 'text[]')})`;
    }
  });
  const rollupGroups = req.groupBy.map((g) => (g.kind === 'column' ? g.column : 'NULL'));
  // Spans without tags form the NULL group; a span with two tags counts in both.
  const tagsJoin = req.groupBy.some((g) => g.kind === 'tags') ? ` LEFT JOIN LATERAL unnest(${TAGS_COLUMN}) AS tg(tag) ON true` : '';
  const bucketOf = (t: Column) => (req.interval === null ? 'NULL::timestamptz' : bucketSql(req.interval, t, tz()));
  const where = (timeCol: Column, s: Segment) => {
    const conds: string[] = [];
    if (scope !== null) conds.push(scope);
    conds.push(`${timeCol} >= ${params.append(new Date(s.fromMs).toISOString(), 'timestamptz')}`);
    conds.push(`${timeCol} < ${params.append(new Date(s.toMs).toISOString(), 'timestamptz')}`);
    if (filter !== null) conds.push(filter);
    if (s.guard !== undefined) conds.push(openBucketCondition(s.guard, scope, params));
    return conds.join(' AND ');
  };
  return {
    tz,
    rawGroups,
    rollupGroups,
    tagsJoin,
    rawBucket: () => bucketOf(TS_COLUMN),
    // A segment of the interval's own grain is already bucketed: its bucket column is the output
    // bucket (a day grain is only planned where the zone's offset is zero), no date_trunc per row.
    rollupBucket: (s: Segment) => (req.interval !== null && req.interval.name === s.source ? BUCKET_COLUMN : bucketOf(BUCKET_COLUMN)),
    where,
    groupByClause: (n: number) => `GROUP BY ${Array.from({ length: n }, (_, i) => i + 1).join(', ')}`,
    select: (bucket, groups, cols) => [`${bucket} AS b`, ...groups.map((g, i) => `${g} AS g${i}`), ...cols].join(', '),
  };
}

const DAY_MS = GRAIN_MS['1d'];

/**
 * A raw segment that is one ragged end of a day (UTC): from the day's start to `to`, or from
 * `from` to the day's end. Null for anything else (a whole day is a rollup segment already; a
 * piece inside a day touching neither end has no day-row form).
 */
function dayEdge(s: Segment): { dayStart: number; end: 'to' | 'from' } | null {
  const dayStart = Math.floor(s.fromMs / DAY_MS) * DAY_MS;
  if (s.toMs > dayStart + DAY_MS) return null;
  if (s.fromMs === dayStart && s.toMs < dayStart + DAY_MS) return { dayStart, end: 'to' };
  if (s.fromMs > dayStart && s.toMs === dayStart + DAY_MS) return { dayStart, end: 'from' };
  return null;
}

/**
 * One segment's latency histograms. perBin: (b, groups, metric, bin, n) rows
 * aggregated in SQL; otherwise (b, groups, metric, packed), one row per
 * stored histogram with its text form ('bins;counts'), for mergeHistograms().
 */
function histogramSegmentSql(env: SqlEnv, s: Segment, idList: string, perBin: boolean): string {
  const { select, where, groupByClause, rawBucket, rollupBucket, rawGroups, rollupGroups, tagsJoin } = env;
  if (s.clipped || s.subtract) throw new Error('percentiles are not planned by difference');
  const k = 1 + rawGroups.length;
  if (s.source === 'raw') {
    const binned =
      `SELECT ${select(rawBucket(), rawGroups, ['h.metric', 'tracelens_latency_bin(h.v) AS bin', 'count(*) AS n'])} FROM ${TABLE}${tagsJoin}` +
      ` CROSS JOIN LATERAL (VALUES (1::smallint, duration_ms), (2::smallint, ttft_ms)) AS h(metric, v)` +
      ` WHERE ${where(TS_COLUMN, s)} AND h.v IS NOT NULL AND h.metric = ANY(${idList}) ${groupByClause(k + 2)}`;
    if (perBin) return binned;
    const cols = ['b', ...rawGroups.map((_, i) => `g${i}`), 'metric'].join(', ');
    return `SELECT ${cols}, tracelens_hist_text(array_agg(bin ORDER BY bin), array_agg(n::integer ORDER BY bin)) AS packed FROM (${binned}) r ${groupByClause(k + 1)}`;
  }
  const table = segmentTable(s, 'histograms');
  if (perBin) {
    return (
      `SELECT ${select(rollupBucket(s), rollupGroups, ['metric', 'u.bin', 'sum(u.n) AS n'])} FROM ${table} CROSS JOIN LATERAL unnest(bins, counts) AS u(bin, n)` +
      ` WHERE ${where(BUCKET_COLUMN, s)} AND metric = ANY(${idList}) ${groupByClause(k + 2)}`
    );
  }
  return `SELECT ${select(rollupBucket(s), rollupGroups, ['metric', 'packed'])} FROM ${table} WHERE ${where(BUCKET_COLUMN, s)} AND metric = ANY(${idList})`;
}

export function compileMetricsQuery(input: MetricsQueryInput): CompiledMetricsQuery {
  const { req, plan } = input;
  const params = new SqlParams();
  const parts = new Map<string, Part>();
  const addPart = (p: Part) => {
    parts.set(p.name, p);
    return p.name;
  };
  addPart(countPart('request_count'));

  // Percentiles in rollup mode: [output name, histogram id, quantile, metric index].
  const histParts: [string, 1 | 2, number, number][] = [];
  // Distinct users in rollup mode: output names.
  const distinctParts: string[] = [];
  // Percentiles are computed in SQL only when having or sort_by need them there.
  const percentileAliases = new Set(req.metrics.filter((m) => PERCENTILES[m.aggregation] !== undefined).map((m) => m.alias));
  const histInSql = req.having.some((h) => percentileAliases.has(h.alias)) || (req.sort !== null && percentileAliases.has(req.sort.key));
  const metricExprs = req.metrics.map((spec, i) => {
    const m = spec.metric;
    const q = PERCENTILES[spec.aggregation];
    switch (m.kind) {
      case 'count':
        return addPart(countPart(m.count!));
      case 'rate':
        return `${addPart(countPart(m.count!))}::float8 / nullif(request_count, 0)`;
      case 'throughput': {
        const seconds = (req.interval ? req.interval.ms : input.toMs - input.fromMs) / 1000;
        return `request_count::float8 / ${seconds}`;
      }
      case 'distinct':
        if (plan.mode === 'rollup') {
          distinctParts.push(`ud${i}`);
          return `ud${i}`;
        }
        return addPart({ name: `ud${i}`, raw: `count(DISTINCT ${m.distinct!})`, rollup: 'NULL', merge: 'max', rawRow: null, rollupRow: null });
      case 'measure': {
        const ms = m.measure!;
        if (q !== undefined) {
          if (plan.mode === 'rollup') {
            histParts.push([`hq${i}`, ms.histogram!, q, i]);
            return histInSql ? `hq${i}` : 'NULL::float8';
          }
          return addPart({ name: `pq${i}`, raw: `percentile_disc(${q}) WITHIN GROUP (ORDER BY ${ms.column})`, rollup: 'NULL', merge: 'max', rawRow: null, rollupRow: null });
        }
        switch (spec.aggregation) {
          case 'sum':
            return addPart(measurePart(ms, 'sum'));
          case 'count':
            return addPart(measurePart(ms, 'n'));
          case 'min':
            return addPart(measurePart(ms, 'min'));
          case 'max':
            return addPart(measurePart(ms, 'max'));
          default:
            return `${addPart(measurePart(ms, 'sum'))}::numeric / nullif(${addPart(measurePart(ms, 'n'))}, 0)`;
        }
      }
    }
  });

  const groupNames = req.groupBy.map((_, i) => `g${i}`);
  const keys = ['b', ...groupNames];
  const keyList = keys.join(', ');
  const partList = [...parts.values()];
  const env = sqlEnv(input, params);
  const { select, where, groupByClause, rawBucket, rollupBucket, rawGroups, rollupGroups, tagsJoin, tz } = env;

  // A subtracted segment (the spans of a clipped bucket outside the range) counts negatively.
  const signed = (s: Segment, expr: string) => (s.subtract ? `-(${expr})` : expr);
  const segmentSql = (s: Segment) => {
    if (s.source === 'raw') {
      return `SELECT ${select(rawBucket(), rawGroups, partList.map((p) => `${signed(s, p.raw)} AS ${p.name}`))} FROM ${TABLE}${tagsJoin} WHERE ${where(TS_COLUMN, s)} ${groupByClause(keys.length)}`;
    }
    return `SELECT ${select(rollupBucket(s), rollupGroups, partList.map((p) => `${p.rollup} AS ${p.name}`))} FROM ${segmentTable(s, 'tables')} WHERE ${where(BUCKET_COLUMN, s)} ${groupByClause(keys.length)}`;
  };

  // A segment that starts and ends where output buckets start has buckets of its own: its rows
  // (one per key already) need no merge with the others'. Only the ragged edges are merged, so
  // the middle of a long range is aggregated once, not twice.
  // A lone segment (every raw query) has nothing to merge with.
  // A clipped bucket and its subtracted spans are always merged (they are one figure together).
  const ownBuckets = (s: Segment) =>
    plan.segments.length === 1 ||
    (!s.clipped && !s.subtract && req.interval !== null && isBucketStart(req.interval, req.timeZone, s.fromMs) && isBucketStart(req.interval, req.timeZone, s.toMs));
  const whole = plan.segments.filter(ownBuckets);
  const edges = plan.segments.filter((s) => !ownBuckets(s));
  // The edges are merged from their rows, not from per-segment aggregates: one hash aggregate over
  // every row instead of one per segment and another over their results (a range without an
  // interval, such as 30 days of users, would otherwise group its tens of thousands of keys twice).
  const rowsSql = (s: Segment) => {
    const cols = (row: (p: Part) => string | null) => partList.map((p) => `${row(p)!} AS ${p.name}`);
    if (s.source === 'raw') return `SELECT ${select(rawBucket(), rawGroups, cols((p) => signed(s, p.rawRow!)))} FROM ${TABLE}${tagsJoin} WHERE ${where(TS_COLUMN, s)}`;
    return `SELECT ${select(rollupBucket(s), rollupGroups, cols((p) => p.rollupRow))} FROM ${segmentTable(s, 'tables')} WHERE ${where(BUCKET_COLUMN, s)}`;
  };
  const flat = partList.every((p) => p.rawRow !== null && p.rollupRow !== null);
  // A group whose spans of a clipped bucket all lie outside the range nets to zero requests: it has
  // no span in the range and is not a row of the answer.
  const merge = (segments: readonly Segment[]) =>
    `SELECT ${keyList}, ${partList.map((p) => `${p.merge}(${p.name}) AS ${p.name}`).join(', ')} FROM (${segments.map(flat ? rowsSql : segmentSql).join(' UNION ALL ')}) p GROUP BY ${keyList}` +
    (segments.some((s) => s.subtract) ? ' HAVING sum(request_count) > 0' : '');
  const ctes: string[] = [];
  // request_count is always a part (rates, throughput, fill and the series count read it); a query
  // that reads none of them and has no other part (unique users alone, as the summaries ask) needs
  // no \`a\` at all. Decided before any of its SQL is built: its parameters would go unreferenced.
  const countRead =
    req.interval !== null || req.metrics.some((m) => m.metric.kind === 'rate' || m.metric.kind === 'throughput' || m.metric.count === 'request_count');
  const needA = partList.length > 1 || countRead || (distinctParts.length === 0 && !(histParts.length > 0 && histInSql));
  if (needA) ctes.push(`a AS (${[...whole.map(segmentSql), ...(edges.length > 0 ? [merge(edges)] : [])].join(' UNION ALL ')})`);

  const extra: { name: string; cols: readonly string[] }[] = [];
  if (distinctParts.length > 0) {
    // The union of every segment's users per (bucket, groups), de-duplicated by a hash aggregate
    // before counting (count(DISTINCT) would sort them): exact, whichever segments answer.
    const cols = usedColumns(req);
    const userTable = (s: Segment) => {
      const t = s.source === 'raw' ? undefined : userFamilyFor(s.source, cols)?.tables[s.source];
      if (t === undefined) throw new Error(`no user rollup for segment ${s.source}`);
      return t;
    };
    const dayRows = (s: Segment, extra?: string) =>
      `SELECT ${select(rollupBucket(s), rollupGroups, [`${USER_COLUMN} AS u`])} FROM ${userTable(s)} WHERE ${where(BUCKET_COLUMN, s)}${extra ?? ''}`;
    const userSegment = (s: Segment) => {
      if (s.clipped || s.subtract) throw new Error('distinct users cannot be subtracted');
      if (s.source !== 'raw') return dayRows(s);
      // A ragged end of a rollup plan (the part of a day before `to`, or after `from`) from the day
      // rows of the user family: a user has a span in [day start, to) exactly when its first span
      // of the day is before `to`, and in [from, day end) when its last one is at or after `from`
      // (migration 0015). Exact, and no raw spans read (a range ending in the past read up to a
      // whole day of them). Only llm_rollup_user_1d keeps the two columns.
      const edge = plan.mode === 'rollup' ? dayEdge(s) : null;
      if (edge !== null && userFamilyFor('1d', cols)?.name === 'user') {
        const day: Segment = { source: '1d', family: 'user', fromMs: edge.dayStart, toMs: edge.dayStart + DAY_MS, ...(s.guard === undefined ? {} : { guard: s.guard }) };
        const bound = edge.end === 'to' ? `${USER_DAY_FIRST_TS} < ${params.append(new Date(s.toMs).toISOString(), 'timestamptz')}` : `${USER_DAY_LAST_TS} >= ${params.append(new Date(s.fromMs).toISOString(), 'timestamptz')}`;
        return dayRows(day, ` AND ${bound}`);
      }
      return `SELECT ${select(rawBucket(), rawGroups, [`${USER_COLUMN} AS u`])} FROM ${TABLE}${tagsJoin} WHERE ${where(TS_COLUMN, s)}`;
    };
    ctes.push(
      `d AS (SELECT ${keyList}, ${distinctParts.map((n) => `count(u) AS ${n}`).join(', ')} FROM (SELECT ${keyList}, u FROM (${plan.segments.map(userSegment).join(' UNION ALL ')}) x GROUP BY ${keyList}, u) y GROUP BY ${keyList})`,
    );
    extra.push({ name: 'd', cols: distinctParts });
  }
  let histogram: CompiledMetricsQuery['histogram'];
  if (histParts.length > 0 && histInSql) {
    const ids = [...new Set(histParts.map(([, id]) => id))];
    const idList = `${params.append(ids, 'bigint[]')}`;
    const histSegment = (s: Segment) => histogramSegmentSql(env, s, idList, true);
    ctes.push(`h AS (${plan.segments.map(histSegment).join(' UNION ALL ')})`);
    ctes.push(`hs AS (SELECT ${keyList}, metric, bin, sum(n) AS n FROM h GROUP BY ${keyList}, metric, bin)`);
    ctes.push(
      `hc AS (SELECT ${keyList}, metric, bin, sum(n) OVER (PARTITION BY ${keyList}, metric ORDER BY bin) AS cum, ` +
        `sum(n) OVER (PARTITION BY ${keyList}, metric) AS tot FROM hs)`,
    );
    // The nearest-rank value, as percentile_disc picks it: the first bin whose cumulative count reaches ceil(q * n).
    const pct = histParts.map(
      ([name, id, q]) => `tracelens_latency_value(min(bin) FILTER (WHERE metric = ${id} AND cum::float8 >= ceil(${q}::float8 * tot::float8))) AS ${name}`,
    );
    ctes.push(`pc AS (SELECT ${keyList}, ${pct.join(', ')} FROM hc GROUP BY ${keyList})`);
    extra.push({ name: 'pc', cols: histParts.map(([n]) => n) });
  } else if (histParts.length > 0) {
    const hp = new SqlParams();
    const henv = sqlEnv(input, hp);
    const ids = [...new Set(histParts.map(([, id]) => id))];
    const idList = `${hp.append(ids, 'bigint[]')}`;
    // The bucket as the main statement gives it (__ts): the service matches the two by that text.
    histogram = {
      sql: `SELECT ${isoText('b')} AS b${groupNames.map((g) => `, ${g}`).join('')}, metric, packed FROM (${plan.segments.map((s) => histogramSegmentSql(henv, s, idList, false)).join(' UNION ALL ')}) h`,
      params: hp.values,
      parts: histParts.map(([, metric, q, index]) => ({ index, metric, q })),
    };
  }

  if (req.fill !== null && req.interval !== null) {
    const from = params.append(new Date(input.fromMs).toISOString(), 'timestamptz');
    const to = params.append(new Date(input.toMs).toISOString(), 'timestamptz');
    const xBucket = bucketSql(req.interval, 'x', tz());
    ctes.push(
      `t AS (SELECT DISTINCT ${xBucket} AS b FROM generate_series(${bucketSql(req.interval, from, tz())}, ${to}, INTERVAL '${fillStep(req.interval)}') AS x WHERE x < ${to})`,
    );
    if (groupNames.length > 0) {
      const maxFilled = params.append(METRICS_LIMITS.maxFilledPoints, 'bigint');
      ctes.push(`s AS (SELECT DISTINCT ${groupNames.join(', ')} FROM a)`);
      ctes.push(`f AS (SELECT t.b, s.* FROM t CROSS JOIN s WHERE (SELECT count(*) FROM s) * (SELECT count(*) FROM t) <= ${maxFilled})`);
    } else {
      ctes.push(`f AS (SELECT t.b FROM t)`);
    }
    extra.push({ name: 'f', cols: [] });
  }

  let merged = 'a';
  if (extra.length > 0) {
    const cols = [...(needA ? partList.map((p) => p.name) : []), ...extra.flatMap((e) => e.cols)];
    const branch = (source: string, has: (c: string) => boolean) =>
      `SELECT ${keyList}, ${cols.map((c) => (has(c) ? c : `NULL AS ${c}`)).join(', ')} FROM ${source}`;
    const branches = needA ? [branch('a', (c) => parts.has(c))] : [];
    for (const e of extra) branches.push(branch(e.name, (c) => e.cols.includes(c)));
    const mergeOf = (c: string) => parts.get(c)?.merge ?? 'max';
    ctes.push(`c AS (SELECT ${keyList}, ${cols.map((c) => `${mergeOf(c)}(${c}) AS ${c}`).join(', ')} FROM (${branches.join(' UNION ALL ')}) u GROUP BY ${keyList})`);
    merged = 'c';
  }

  // Empty (filled) buckets have no request_count: fill=zero turns every metric of them into 0.
  const valueExprs = metricExprs.map((e, i) => {
    const v = req.fill === 'zero' ? `CASE WHEN request_count IS NULL THEN 0 ELSE (${e}) END` : `(${e})`;
    return `${v} AS m${i}`;
  });
  const countsSeries = req.interval !== null && groupNames.length > 0;
  const series = countsSeries ? `, (SELECT count(*) FROM (SELECT DISTINCT ${groupNames.join(', ')} FROM a) sc) AS __series` : '';
  const inner = `SELECT ${isoText('b')} AS __ts${groupNames.map((g) => `, ${g}`).join('')}, ${valueExprs.join(', ')}${series} FROM ${merged}`;

  const aliasIndex = new Map(req.metrics.map((m, i) => [m.alias, i]));
  const having = req.having.map((h) => `m${aliasIndex.get(h.alias)} ${HAVING_SQL[h.op]} ${params.append(String(h.value), 'numeric')}`);

  const order: string[] = [];
  const keyOrder = (k: string, desc: boolean) => {
    if (k === 'timestamp') return `__ts COLLATE "C" ${desc ? 'DESC' : 'ASC'}`;
    const gi = req.groupBy.findIndex((g) => g.name === k);
    if (gi >= 0) return `g${gi} COLLATE "C" ${desc ? 'DESC' : 'ASC'} NULLS LAST`;
    return `m${aliasIndex.get(k)} ${desc ? 'DESC' : 'ASC'} NULLS LAST`;
  };
  if (req.sort !== null) order.push(keyOrder(req.sort.key, req.sort.desc));
  // Ties (and the default order): time, then groups, ascending.
  if (req.interval !== null) order.push('__ts COLLATE "C" ASC');
  groupNames.forEach((g) => order.push(`${g} COLLATE "C" ASC NULLS LAST`));
  const orderBy = order.length > 0 ? ` ORDER BY ${order.join(', ')}` : '';

  if (input.unordered) {
    const where = having.length > 0 ? ` WHERE ${having.join(' AND ')}` : '';
    return { sql: `WITH ${ctes.join(',\n')}\nSELECT * FROM (${inner}) r${where}`, params: params.values, countsSeries, ...(histogram === undefined ? {} : { histogram }) };
  }
  const sql =
    `WITH ${ctes.join(',\n')}\n` +
    `SELECT r.*, count(*) OVER () AS __total FROM (${inner}) r` +
    (having.length > 0 ? ` WHERE ${having.join(' AND ')}` : '') +
    `${orderBy} LIMIT ${params.append(req.limit, 'bigint')}`;
  return { sql, params: params.values, countsSeries, ...(histogram === undefined ? {} : { histogram }) };
}

// Source planner: which table answers which part of the range. A query whose
// filter and group-by touch only rollup dimensions (and whose metrics the
// rollups hold) reads the coarsest grain that lines up with its interval for
// the aligned middle of the range, and stitches the ragged edges from finer
// grains and finally from raw rows. Per grain it reads the smallest rollup
// family whose key covers every column the filter and group-by name (and that
// has a histogram at that grain when percentiles are asked for). Anything
// else reads the raw table, with the search compiler and indexes. Pure: no
// I/O, no clock.
import type { FilterNode } from '../query/ast.js';
import type { Column } from '../query/fields.js';
import { GRAIN_MS, GRAIN_ORIGIN_MS, GRAINS, PERCENTILES, ROLLUP_DIMENSIONS, ROLLUP_FAMILIES, USER_COLUMN, type FamilyName, type Grain, type RollupFamily } from './catalog.js';
import { grainFits } from './intervals.js';
import type { MetricsRequest } from './metrics-request.js';

export type SourceName = 'rollup_1w' | 'rollup_1d' | 'rollup_1h' | 'rollup_1m' | 'raw';

export interface Segment {
  readonly source: Grain | 'raw';
  /** The rollup family read (rollup segments only). */
  readonly family?: FamilyName;
  readonly fromMs: number;
  readonly toMs: number;
  /** Counts only when spans of this range are absent ('empty') or present ('present'): see OpenBucketGuard. */
  readonly guard?: OpenBucketGuard;
  /**
   * A bucket row that reaches past the range's edge: it counts together with the `subtract` segment
   * that removes the part outside the range (see the ragged ends in split()).
   */
  readonly clipped?: true;
  /** Raw spans whose figures are subtracted: the part of a clipped bucket outside the range. */
  readonly subtract?: true;
}

/**
 * The open bucket at the end of a range (the day or hour that holds `to`,
 * usually now): its rollup row equals the spans of [bucket start, to)
 * exactly when no span has a ts in [to, bucket end). The plan reads that
 * row under the guard 'empty' and the range's finer stitching under
 * 'present'; the statement evaluates the probe once, in its own snapshot,
 * so exactly one of the two counts, whatever commits meanwhile.
 */
export interface OpenBucketGuard {
  readonly when: 'empty' | 'present';
  readonly fromMs: number;
  readonly toMs: number;
}

/** The two guards of the open bucket ending at `endMs` of a range ending at `toMs`: its row, and the finer stitching. */
export function openBucketGuards(toMs: number, endMs: number): { empty: OpenBucketGuard; present: OpenBucketGuard } {
  return { empty: { when: 'empty', fromMs: toMs, toMs: endMs }, present: { when: 'present', fromMs: toMs, toMs: endMs } };
}

export interface Plan {
  /** raw: one raw segment, exact percentiles and distinct counts; rollup: additive segments + histograms. */
  readonly mode: 'raw' | 'rollup';
  readonly segments: readonly Segment[];
  /** The coarsest source read (meta.source). */
  readonly source: SourceName;
  /** Why the raw table answers, when it does (docs and meta). */
  readonly reason: string | null;
}

/** Why this request cannot be answered from rollups, or null when it can. */
export function rawReason(req: Pick<MetricsRequest, 'groupBy' | 'filter' | 'metrics'>): string | null {
  for (const g of req.groupBy) {
    if (g.kind !== 'column' || !ROLLUP_DIMENSIONS.includes(g.column)) return `group_by ${g.name} is not a rollup dimension`;
  }
  const bad = req.filter === null ? null : nonRollupPredicate(req.filter);
  if (bad !== null) return `filter on ${bad}`;
  for (const m of req.metrics) {
    // Distinct users: exact over the user family's rows; any other distinct count needs the spans.
    if (m.metric.kind === 'distinct' && m.metric.distinct !== USER_COLUMN) return `${m.metric.name} is counted exactly on raw rows`;
    if (PERCENTILES[m.aggregation] !== undefined && !m.metric.measure?.histogram) return `${m.aggregation} of ${m.metric.name} has no histogram`;
  }
  return null;
}

/** Span columns the filter and group-by read: a rollup family must be keyed by all of them. */
export function usedColumns(req: Pick<MetricsRequest, 'groupBy' | 'filter'>): Set<Column> {
  const cols = new Set<Column>();
  for (const g of req.groupBy) if (g.kind === 'column') cols.add(g.column);
  const walk = (node: FilterNode): void => {
    if (node.kind === 'and' || node.kind === 'or') node.children.forEach(walk);
    else if (node.kind === 'not') walk(node.child);
    else if (node.target.kind === 'column') cols.add(node.target.field.column);
  };
  if (req.filter !== null) walk(req.filter);
  return cols;
}

/** The smallest family that can answer a segment of this grain, or undefined. */
function familyFor(grain: Grain, cols: ReadonlySet<Column>, needsHistogram: boolean): RollupFamily | undefined {
  return ROLLUP_FAMILIES.find(
    (f) => f.tables[grain] !== undefined && (!needsHistogram || f.histograms[grain] !== undefined) && [...cols].every((c) => f.dimensions.includes(c)),
  );
}

/** The smallest family keyed by user_id and every column of `cols` at this grain: where distinct users of a segment come from. */
export function userFamilyFor(grain: Grain, cols: ReadonlySet<Column>): RollupFamily | undefined {
  return ROLLUP_FAMILIES.find((f) => f.tables[grain] !== undefined && f.dimensions.includes(USER_COLUMN) && [...cols].every((c) => f.dimensions.includes(c)));
}

/** The first predicate a rollup cannot evaluate: a non-dimension field, or full-text search. */
function nonRollupPredicate(node: FilterNode): string | null {
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const c of node.children) {
        const r = nonRollupPredicate(c);
        if (r !== null) return r;
      }
      return null;
    case 'not':
      return nonRollupPredicate(node.child);
    case 'predicate': {
      const t = node.target;
      if (t.kind !== 'column') return t.kind === 'content' ? 'content (full text)' : 'attributes';
      if (node.op === 'search') return `${t.field.name} (full text)`;
      return ROLLUP_DIMENSIONS.includes(t.field.column) ? null : t.field.name;
    }
  }
}

/**
 * Whether every figure of the request is a sum of per-span terms (counts, sums, rates and averages
 * of them): those can be read as a bucket row minus the spans outside the range. Minima, maxima,
 * percentiles and distinct counts cannot be subtracted.
 */
function subtractable(req: Pick<MetricsRequest, 'metrics'>): boolean {
  return req.metrics.every((m) => {
    if (m.metric.kind === 'distinct') return false;
    if (m.metric.kind !== 'measure') return true;
    return m.aggregation === 'sum' || m.aggregation === 'count' || m.aggregation === 'avg';
  });
}

export function planMetricsQuery(req: MetricsRequest, fromMs: number, toMs: number): Plan {
  const reason = rawReason(req);
  const whole: Plan = { mode: 'raw', segments: [{ source: 'raw', fromMs, toMs }], source: 'raw', reason };
  if (reason !== null) return whole;
  const needsHistogram = req.metrics.some((m) => PERCENTILES[m.aggregation] !== undefined);
  const cols = usedColumns(req);
  // Distinct users come from the user family (its rows, grouped and filtered the same way), the
  // other figures from the smallest family that fits: only grains and columns the user family has.
  const users = req.metrics.some((m) => m.metric.kind === 'distinct');
  const families = new Map<Grain, FamilyName>();
  for (const g of GRAINS) {
    if (users && userFamilyFor(g, cols) === undefined) continue;
    const f = familyFor(g, cols, needsHistogram);
    // A family keyed by user has a row per user: never the cheaper read for a query that neither
    // groups, filters nor counts by user (the week grain exists only there).
    if (f !== undefined && f.dimensions.includes(USER_COLUMN) && !users && !cols.has(USER_COLUMN)) continue;
    if (f !== undefined && grainFits(g, req.interval, req.timeZone, fromMs, toMs)) families.set(g, f.name);
  }
  const grains = [...families.keys()];
  const withFamily = (s: Segment): Segment => (s.source === 'raw' ? s : { ...s, family: families.get(s.source)! });
  const open = openBucket(fromMs, toMs, grains, (g, a, b) => grainFits(g, req.interval, req.timeZone, a, b));
  const how: SplitOptions = { grains, byDifference: subtractable(req) };
  const segments = (open === null ? split(fromMs, toMs, how) : splitWithOpenBucket(fromMs, toMs, how, open)).map(withFamily);
  const coarsest = GRAINS.find((g) => segments.some((s) => s.source === g));
  if (coarsest === undefined) return { ...whole, reason: 'range shorter than the finest rollup that fits' };
  return { mode: 'rollup', segments, source: `rollup_${coarsest}`, reason: null };
}

/**
 * The bucket of the coarsest usable grain that holds `to` and starts inside
 * the range (so a "last 30 days" ending now reads today's day row, and the
 * last 24 hours today's day row plus hours), or null when `to` is aligned
 * to every grain or no such bucket lines up with the interval.
 */
function openBucket(
  fromMs: number,
  toMs: number,
  grains: readonly Grain[],
  fits: (g: Grain, fromMs: number, toMs: number) => boolean,
): { grain: Grain; fromMs: number; toMs: number } | null {
  for (const g of grains) {
    const size = GRAIN_MS[g];
    const start = alignDown(toMs, g);
    if (start === toMs) return null;
    if (start >= fromMs && fits(g, start, start + size)) return { grain: g, fromMs: start, toMs: start + size };
  }
  return null;
}

/** The start of the bucket of grain `g` that holds `ms`. */
function alignDown(ms: number, g: Grain): number {
  const size = GRAIN_MS[g];
  const origin = GRAIN_ORIGIN_MS[g];
  return Math.floor((ms - origin) / size) * size + origin;
}
/** The first start of a bucket of grain `g` at or after `ms`. */
function alignUp(ms: number, g: Grain): number {
  const size = GRAIN_MS[g];
  const origin = GRAIN_ORIGIN_MS[g];
  return Math.ceil((ms - origin) / size) * size + origin;
}

/** [from, to) split up to the open bucket, then that bucket's row and, guarded the other way, the finer stitching of [bucket start, to). */
function splitWithOpenBucket(fromMs: number, toMs: number, how: SplitOptions, open: { grain: Grain; fromMs: number; toMs: number }): Segment[] {
  const guards = openBucketGuards(toMs, open.toMs);
  return [
    ...split(fromMs, open.fromMs, how),
    { source: open.grain, fromMs: open.fromMs, toMs: open.toMs, guard: guards.empty },
    ...split(open.fromMs, toMs, how).map((s): Segment => ({ ...s, guard: guards.present })),
  ];
}

interface SplitOptions {
  /** Usable grains, coarsest first. */
  readonly grains: readonly Grain[];
  /** The figures can be subtracted (subtractable()). */
  readonly byDifference: boolean;
}

/**
 * [from, to) as grain-aligned middles of the coarsest grains, with finer edges.
 *
 * A ragged end below the finest grain is raw spans. When that grain is an hour or more (the per-user
 * families' finest is a day: a "last 30 days" read up to a whole day of spans at its start) and the
 * figures can be subtracted, the end is read from whichever side is shorter: the spans inside the
 * range, or the whole bucket's row minus the spans of the bucket outside it. Either way at most half
 * a bucket of spans. The row and the spans are read in one statement, so in one snapshot: the
 * difference is exact.
 */
function split(fromMs: number, toMs: number, how: SplitOptions): Segment[] {
  if (fromMs >= toMs) return [];
  const [g, ...finer] = how.grains;
  if (g === undefined) return [{ source: 'raw', fromMs, toMs }];
  const size = GRAIN_MS[g];
  const a = alignUp(fromMs, g);
  const b = alignDown(toMs, g);
  const rest: SplitOptions = { ...how, grains: finer };
  if (!(how.byDifference && finer.length === 0 && size >= GRAIN_MS['1h'])) {
    if (a >= b) return split(fromMs, toMs, rest);
    return [...split(fromMs, a, rest), { source: g, fromMs: a, toMs: b }, ...split(b, toMs, rest)];
  }
  // The part of [from, to) inside the bucket [start, end): its spans, or the bucket's row minus the
  // spans of the bucket outside the range, whichever reads fewer (the shorter time).
  const piece = (start: number, end: number): Segment[] => {
    const lo = Math.max(fromMs, start);
    const hi = Math.min(toMs, end);
    if (hi - lo <= end - start - (hi - lo)) return split(lo, hi, rest);
    const outside: Segment[] = [];
    if (start < lo) outside.push({ source: 'raw', fromMs: start, toMs: lo, subtract: true });
    if (hi < end) outside.push({ source: 'raw', fromMs: hi, toMs: end, subtract: true });
    return [{ source: g, fromMs: start, toMs: end, clipped: true }, ...outside];
  };
  if (a > b) return piece(b, a);
  return [...(fromMs < a ? piece(a - size, a) : []), ...(a < b ? [{ source: g, fromMs: a, toMs: b }] : []), ...(b < toMs ? piece(b, b + size) : [])];
}

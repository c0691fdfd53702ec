// Percentiles from stored latency histograms, merged here rather than in
// SQL: a histogram row holds its occupied bins and their counts as arrays
// (migration 0010), and adding a few thousand of them per group is a tight
// loop over typed arrays, where PostgreSQL would unnest them into hundreds
// of thousands of rows to sort and window. Pure: no I/O.
//
// Semantics are those of the SQL path and of percentile_disc on raw rows:
// nearest rank, the first bin whose cumulative count reaches ceil(q * n),
// reported as the bin's representative value (within 0.99 % of every value
// in it).
import { HISTOGRAM_RATIO } from './catalog.js';
import type { HistogramPart } from './compile-metrics.js';

/** A histogram row of the compiled statement: bucket (the ISO text of the main statement's __ts), groups g0.., metric id, the histogram as 'bin,bin,...;count,count,...'. */
export interface HistogramRow {
  b: string | null;
  metric: number | string;
  packed: string;
  [group: string]: unknown;
}

/** The value tracelens_latency_value(bin) reports: the point with equal relative distance to both ends of the bin. */
export function latencyValue(bin: number): number {
  return bin <= 0 ? 0 : (2 * Math.pow(HISTOGRAM_RATIO, bin)) / (1 + HISTOGRAM_RATIO);
}

/**
 * Key of a (bucket, groups) row, the same for result rows and histogram rows:
 * both statements give the bucket as the same ISO text, so no date is parsed.
 * Each part is tagged (\u0001 for null, \u0002 before a value) and parts are
 * joined by \u0000, which PostgreSQL text never contains: two rows share a
 * key exactly when their bucket and groups are equal.
 */
export function histogramKey(ts: string | null | undefined, groups: readonly unknown[]): string {
  let key = ts === null || ts === undefined ? '\u0001' : `\u0002${ts}`;
  for (const g of groups) key += g === null || g === undefined ? '\u0000\u0001' : `\u0000\u0002${String(g)}`;
  return key;
}

// Bins of latencies up to 2^31 ms are 0..1086: one dense counter array,
// shared by every merge (one histogram is merged at a time and its bins are
// zeroed again after it), so a series of thousands of (bucket, group) keys
// allocates no array per key.
const BINS = 1100;
const SCRATCH_BINS = new Int32Array(BINS);
const COUNTS = new Float64Array(BINS);

/** What a merge left in COUNTS: the occupied range and the total. */
interface Span {
  lo: number;
  hi: number;
  total: number;
}

/**
 * Adds a packed histogram into COUNTS: one pass over the characters, no
 * intermediate strings (a 90-day read parses megabytes of them) and no
 * allocation. Bins are non-negative integers; counts may not be.
 */
function add(packed: string, span: Span): void {
  const bins = SCRATCH_BINS;
  const len = packed.length;
  let nBins = 0;
  let i = 0;
  let v = 0;
  let digits = false;
  for (; i < len; i++) {
    const c = packed.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      digits = true;
    } else {
      if (digits) bins[nBins++] = v;
      v = 0;
      digits = false;
      if (c === 59) break; // ';'
    }
  }
  let k = 0;
  let neg = false;
  let lo = span.lo;
  let hi = span.hi;
  let total = span.total;
  // One more step past the end closes the last count.
  for (i++; i <= len; i++) {
    const c = i < len ? packed.charCodeAt(i) : 44;
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      digits = true;
    } else if (c === 45) {
      neg = true;
    } else {
      if (digits && k < nBins) {
        const b = bins[k++]!;
        const n = neg ? -v : v;
        COUNTS[b] = COUNTS[b]! + n;
        total += n;
        if (b < lo) lo = b;
        if (b > hi) hi = b;
      }
      v = 0;
      digits = false;
      neg = false;
    }
  }
  span.lo = lo;
  span.hi = hi;
  span.total = total;
}

/** Nearest rank over the merged COUNTS. */
function percentile(span: Span, q: number): number | null {
  if (span.total <= 0) return null;
  const rank = Math.ceil(q * span.total);
  let cum = 0;
  for (let b = span.lo; b <= span.hi; b++) {
    cum += COUNTS[b]!;
    if (cum >= rank) return latencyValue(b);
  }
  return latencyValue(span.hi);
}

/**
 * Percentiles per (bucket, groups) key: for each key, the value of each part
 * (indexed like the request's metrics). `groupCount` is the number of group
 * columns (g0..). The rows are first collected per key and metric (references
 * only), then each histogram is merged, read for every part that asks for
 * its metric, and cleared.
 */
export function mergeHistograms(rows: readonly HistogramRow[], groupCount: number, parts: readonly HistogramPart[]): Map<string, Map<number, number | null>> {
  const byKey = new Map<string, Map<number, string[]>>();
  const groups: unknown[] = new Array(groupCount);
  for (const r of rows) {
    for (let i = 0; i < groupCount; i++) groups[i] = r[`g${i}`];
    const key = histogramKey(r.b, groups);
    let perMetric = byKey.get(key);
    if (perMetric === undefined) byKey.set(key, (perMetric = new Map()));
    const metric = Number(r.metric);
    const list = perMetric.get(metric);
    if (list === undefined) perMetric.set(metric, [r.packed]);
    else list.push(r.packed);
  }
  const out = new Map<string, Map<number, number | null>>();
  for (const [key, perMetric] of byKey) {
    const values = new Map<number, number | null>();
    for (const p of parts) if (!perMetric.has(p.metric)) values.set(p.index, null);
    for (const [metric, packed] of perMetric) {
      const span: Span = { lo: BINS, hi: -1, total: 0 };
      for (const text of packed) add(text, span);
      for (const p of parts) if (p.metric === metric) values.set(p.index, percentile(span, p.q));
      if (span.hi >= span.lo) COUNTS.fill(0, span.lo, span.hi + 1);
    }
    out.set(key, values);
  }
  return out;
}

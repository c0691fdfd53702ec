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

/** A histogram row of the compiled statement: bucket, groups g0.., metric id, the histogram as 'bin,bin,...;count,count,...'. */
export interface HistogramRow {
  b: Date | string | null;
  metric: number | string;
  packed: string;
  [group: string]: unknown;
}

/** The value tracelens_latency_value(bin) reports: the point with equal relative distance to both ends of the bin. */
export function latencyValue(bin: number): number {
  return bin <= 0 ? 0 : (2 * Math.pow(HISTOGRAM_RATIO, bin)) / (1 + HISTOGRAM_RATIO);
}

/** Key of a (bucket, groups) row, the same for result rows and histogram rows. */
export function histogramKey(ts: Date | string | null | undefined, groups: readonly unknown[]): string {
  const t = ts === null || ts === undefined ? null : new Date(ts).getTime();
  return JSON.stringify([t, ...groups.map((g) => (g === null || g === undefined ? null : String(g)))]);
}

// Bins of latencies up to 2^31 ms are 0..1086: one dense counter per (key, metric).
const BINS = 1100;
const SCRATCH = new Int32Array(BINS);

class Merged {
  readonly counts = new Float64Array(BINS);
  total = 0;
  lo = BINS;
  hi = -1;
  /**
   * Adds a packed histogram: one pass over the characters, no intermediate
   * strings (a 90-day read parses megabytes of them). Bins are non-negative
   * integers; counts may not be.
   */
  add(packed: string): void {
    const bins = SCRATCH;
    let nBins = 0;
    let i = 0;
    const len = packed.length;
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
    const put = (n: number) => {
      const b = bins[k++]!;
      this.counts[b] = this.counts[b]! + n;
      this.total += n;
      if (b < this.lo) this.lo = b;
      if (b > this.hi) this.hi = b;
    };
    for (i++; i < len; i++) {
      const c = packed.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        digits = true;
      } else if (c === 45) {
        neg = true;
      } else {
        if (digits) put(neg ? -v : v);
        v = 0;
        digits = false;
        neg = false;
      }
    }
    if (digits && k < nBins) put(neg ? -v : v);
  }
  percentile(q: number): number | null {
    if (this.total <= 0) return null;
    const rank = Math.ceil(q * this.total);
    let cum = 0;
    for (let b = this.lo; b <= this.hi; b++) {
      cum += this.counts[b]!;
      if (cum >= rank) return latencyValue(b);
    }
    return latencyValue(this.hi);
  }
}

/**
 * Percentiles per (bucket, groups) key: for each key, the value of each part
 * (indexed like the request's metrics). `groupCount` is the number of group
 * columns (g0..).
 */
export function mergeHistograms(rows: readonly HistogramRow[], groupCount: number, parts: readonly HistogramPart[]): Map<string, Map<number, number | null>> {
  const merged = new Map<string, Map<number, Merged>>();
  for (const r of rows) {
    const groups = Array.from({ length: groupCount }, (_, i) => r[`g${i}`]);
    const key = histogramKey(r.b, groups);
    let perMetric = merged.get(key);
    if (perMetric === undefined) merged.set(key, (perMetric = new Map()));
    const metric = Number(r.metric);
    let h = perMetric.get(metric);
    if (h === undefined) perMetric.set(metric, (h = new Merged()));
    h.add(r.packed);
  }
  const out = new Map<string, Map<number, number | null>>();
  for (const [key, perMetric] of merged) {
    const values = new Map<number, number | null>();
    for (const p of parts) values.set(p.index, perMetric.get(p.metric)?.percentile(p.q) ?? null);
    out.set(key, values);
  }
  return out;
}

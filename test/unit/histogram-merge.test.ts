// Percentiles merged from packed histogram rows ('bins;counts'), against a
// reference that expands every histogram into its values and takes the
// nearest rank, as percentile_disc does on raw rows.
import { describe, expect, it } from 'vitest';
import type { HistogramPart } from '../../src/analytics/compile-metrics.js';
import { histogramKey, latencyValue, mergeHistograms, type HistogramRow } from '../../src/analytics/histogram-merge.js';

const pack = (h: ReadonlyMap<number, number>) => {
  const bins = [...h.keys()].sort((a, b) => a - b);
  return `${bins.join(',')};${bins.map((b) => h.get(b)).join(',')}`;
};

/** Nearest rank over the summed histograms, by expanding them. */
function reference(hists: readonly ReadonlyMap<number, number>[], q: number): number | null {
  const sum = new Map<number, number>();
  for (const h of hists) for (const [b, n] of h) sum.set(b, (sum.get(b) ?? 0) + n);
  const values = [...sum].sort((a, b) => a[0] - b[0]).flatMap(([b, n]) => Array.from({ length: n }, () => b));
  if (values.length === 0) return null;
  return latencyValue(values[Math.ceil(q * values.length) - 1]!);
}

/** A deterministic pseudo-random sequence (no Math.random: a failure must replay). */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('mergeHistograms', () => {
  it('gives the nearest-rank percentile of the summed histograms, per bucket and group', () => {
    const rnd = lcg(7);
    const keys = [['2026-03-01T00:00:00.000Z', 'openai'], ['2026-03-01T00:00:00.000Z', null], ['2026-03-02T00:00:00.000Z', 'openai']] as const;
    const rows: HistogramRow[] = [];
    const byKey = new Map<string, Map<number, number>[]>();
    for (let i = 0; i < 60; i++) {
      const [b, g0] = keys[i % keys.length]!;
      const h = new Map<number, number>();
      for (let j = 0; j < 1 + Math.floor(rnd() * 40); j++) h.set(Math.floor(rnd() * 1086), 1 + Math.floor(rnd() * 500));
      rows.push({ b, g0, metric: 1, packed: pack(h) });
      const k = histogramKey(b, [g0]);
      byKey.set(k, [...(byKey.get(k) ?? []), h]);
    }
    // An empty histogram adds nothing.
    rows.push({ b: keys[0][0], g0: keys[0][1], metric: 1, packed: ';' });
    const parts: HistogramPart[] = [{ index: 0, metric: 1, q: 0.5 }, { index: 1, metric: 1, q: 0.95 }, { index: 2, metric: 1, q: 0.99 }, { index: 3, metric: 2, q: 0.5 }];
    const merged = mergeHistograms(rows, 1, parts);
    expect(merged.size).toBe(3);
    for (const [k, hists] of byKey) {
      const values = merged.get(k)!;
      expect(values.get(0)).toBe(reference(hists, 0.5));
      expect(values.get(1)).toBe(reference(hists, 0.95));
      expect(values.get(2)).toBe(reference(hists, 0.99));
      // No histogram of metric 2 for this key.
      expect(values.get(3)).toBeNull();
    }
  });

  it('subtracts histograms with negative counts', () => {
    const whole = new Map([[10, 5], [20, 5], [30, 10]]);
    const rows: HistogramRow[] = [
      { b: null, metric: 1, packed: pack(whole) },
      // Taken out again: every value of bin 30 and two of bin 10.
      { b: null, metric: 1, packed: '10,30;-2,-10' },
    ];
    const merged = mergeHistograms(rows, 0, [{ index: 0, metric: 1, q: 0.5 }, { index: 1, metric: 1, q: 1 }]);
    const left = [new Map([[10, 3], [20, 5]])];
    expect(merged.get(histogramKey(null, []))!.get(0)).toBe(reference(left, 0.5));
    expect(merged.get(histogramKey(null, []))!.get(1)).toBe(latencyValue(20));
  });
});

describe('histogramKey', () => {
  it('tells apart a null group from the text "null", and groups that concatenate alike', () => {
    expect(histogramKey('t', [null])).not.toBe(histogramKey('t', ['null']));
    expect(histogramKey(null, ['x'])).not.toBe(histogramKey('', ['x']));
    expect(histogramKey('t', ['ab', 'c'])).not.toBe(histogramKey('t', ['a', 'bc']));
    expect(histogramKey('t', ['a', null])).not.toBe(histogramKey('t', [null, 'a']));
    expect(histogramKey('t', [1, 'x'])).toBe(histogramKey('t', ['1', 'x']));
  });
});

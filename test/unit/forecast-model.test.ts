// The forecast model on synthetic series with known trend and seasonality:
// it must beat a straight line where there is a weekly season, follow a pure
// trend, give intervals that hold the point and widen with the horizon.
import { describe, expect, it } from 'vitest';
import { backtest, fitBest, fitHoltWinters, fitLinear, mape, SEASON } from '../../src/analytics/reports/forecast-model.js';
import { growthRate, linearFit } from '../../src/analytics/reports/trend.js';
import { ifNoneMatchHits, strongEtag } from '../../src/analytics/reports/etag.js';

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  };
}

// Weekday business traffic, quiet weekends: a weekly pattern around a rising trend.
const WEEK = [30, 32, 31, 33, 28, -70, -84];
const seasonal = (days: number, amp = 1) => {
  const r = noise(7);
  return Array.from({ length: days }, (_, t) => 200 + 1.5 * t + amp * WEEK[t % SEASON]! + 4 * r());
};

describe('forecast model', () => {
  it('beats a straight line on a seasonal series (backtest MAPE on the last 14 days)', () => {
    for (const days of [30, 60, 90]) {
      const bt = backtest(seasonal(days))!;
      expect(bt.model).toBe('holt_winters_additive');
      expect(bt.mape!, `${days} days`).toBeLessThan(bt.baseline_mape!);
      expect(bt.mape!, `${days} days`).toBeLessThan(0.08);
      expect(bt.baseline_mape!).toBeGreaterThan(0.15);
    }
  });

  it('follows a pure trend and repeats the season', () => {
    const line = Array.from({ length: 42 }, (_, t) => 10 + 2 * t);
    const f = fitHoltWinters(line).forecast(7);
    f.forEach((p, k) => expect(Math.abs(p.value - (10 + 2 * (42 + k))) / (10 + 2 * (42 + k))).toBeLessThan(0.02));
    const flatSeason = Array.from({ length: 56 }, (_, t) => 100 + WEEK[t % SEASON]!);
    const g = fitHoltWinters(flatSeason).forecast(14);
    g.forEach((p, k) => expect(Math.abs(p.value - (100 + WEEK[(56 + k) % SEASON]!))).toBeLessThan(3));
  });

  it('gives intervals that hold the point, stay non-negative and widen with the horizon', () => {
    const f = fitBest(seasonal(60)).forecast(30);
    for (const p of f) {
      expect(p.lower).toBeLessThanOrEqual(p.value);
      expect(p.upper).toBeGreaterThanOrEqual(p.value);
      expect(p.lower).toBeGreaterThanOrEqual(0);
    }
    expect(f[29]!.upper - f[29]!.lower).toBeGreaterThan(f[0]!.upper - f[0]!.lower);
  });

  it('falls back to a straight line under two weeks of history, and to a constant under two days', () => {
    expect(fitBest([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).model).toBe('linear_trend');
    expect(fitBest([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).forecast(2).map((p) => p.value)).toEqual([11, 12]);
    expect(fitLinear([5]).model).toBe('constant');
    expect(fitLinear([5]).forecast(3).map((p) => p.value)).toEqual([5, 5, 5]);
    expect(backtest([1, 2, 3])).toBeNull();
  });

  it('computes MAPE over non-zero actuals only', () => {
    expect(mape([100, 0, 50], [110, 5, 45])).toBeCloseTo(0.1, 12);
    expect(mape([0, 0], [1, 1])).toBeNull();
  });
});

describe('trend helpers', () => {
  it('fits a least-squares line and states growth per step over the mean', () => {
    expect(linearFit([1, 3, 5, 7])).toEqual({ slope: 2, intercept: 1 });
    expect(growthRate([1, 2, 3, 4])).toBeCloseTo(1 / 2.5, 12);
    expect(growthRate([5])).toBeNull();
    expect(growthRate([0, 0, 0])).toBeNull();
  });
});

describe('entity tags', () => {
  it('matches If-None-Match by weak comparison, lists and *', () => {
    const tag = strongEtag('{"data":1}');
    expect(tag).toBe(strongEtag('{"data":1}'));
    expect(tag).not.toBe(strongEtag('{"data":2}'));
    expect(ifNoneMatchHits(tag, tag)).toBe(true);
    expect(ifNoneMatchHits(`W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchHits(`"x", ${tag}`, tag)).toBe(true);
    expect(ifNoneMatchHits('*', tag)).toBe(true);
    expect(ifNoneMatchHits('"x"', tag)).toBe(false);
    expect(ifNoneMatchHits(undefined, tag)).toBe(false);
  });
});

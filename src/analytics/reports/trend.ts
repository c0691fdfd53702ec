// Growth of a cost series, pure. A point's change is relative to the point
// before it; a series' growth rate is the least-squares slope per step
// divided by the series mean (0.05 = the fitted line rises 5 % of an average
// step per step), which one spike at either end cannot dominate.

/** Least-squares line through (i, y_i), i = 0..n-1. */
export function linearFit(ys: readonly number[]): { slope: number; intercept: number } {
  const n = ys.length;
  if (n === 0) return { slope: 0, intercept: 0 };
  if (n === 1) return { slope: 0, intercept: ys[0]! };
  const mx = (n - 1) / 2;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, i) => {
    sxy += (i - mx) * (y - my);
    sxx += (i - mx) ** 2;
  });
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Relative growth per step of the series (null for fewer than 2 points or a zero mean). */
export function growthRate(ys: readonly number[]): number | null {
  if (ys.length < 2) return null;
  const mean = ys.reduce((s, y) => s + y, 0) / ys.length;
  return mean === 0 ? null : linearFit(ys).slope / mean;
}

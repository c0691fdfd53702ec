// Daily cost forecasting, pure: additive Holt-Winters (level, trend and a
// weekly season) with its smoothing constants fitted by grid search on the
// one-step-ahead squared error, prediction intervals from the one-step error
// variance, and a backtest against a least-squares straight line.
//
// Why hand-written: the model is ~100 lines and exact to the textbook
// (Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", 8.3 and
// the additive prediction-variance formula of table 8.8); the npm libraries
// that offer it are unmaintained or pull in a numeric stack for one function.
import { linearFit } from './trend.js';

export const SEASON = 7;
/** Held-out days of the backtest. */
export const BACKTEST_DAYS = 14;
/** z of the two-sided 95 % interval. */
export const Z95 = 1.959964;

export type ModelName = 'holt_winters_additive' | 'linear_trend' | 'constant';

export interface ForecastPoint {
  value: number;
  lower: number;
  upper: number;
}

export interface FittedModel {
  model: ModelName;
  alpha: number | null;
  beta: number | null;
  gamma: number | null;
  /** Points 1..h after the series. */
  forecast(h: number): ForecastPoint[];
}

interface HwState {
  level: number;
  trend: number;
  season: number[];
  sse: number;
  n: number;
}

/** Runs the recursions over ys; the squared one-step errors count from the second season on. */
function runHw(ys: readonly number[], a: number, b: number, g: number): HwState {
  const m = SEASON;
  const first = ys.slice(0, m);
  const second = ys.slice(m, 2 * m);
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  // The first season's mean is the level at its middle; de-trended deviations from it are the seasonal terms.
  const mean1 = mean(first);
  let trend = (mean(second) - mean1) / m;
  const mid = (m - 1) / 2;
  const season = first.map((y, i) => y - (mean1 + trend * (i - mid)));
  // The state at the end of the first season; one-step errors count from the second on.
  let level = mean1 + trend * mid;
  let sse = 0;
  let n = 0;
  for (let t = m; t < ys.length; t++) {
    const s = season[t % m]!;
    const yhat = level + trend + s;
    const y = ys[t]!;
    sse += (y - yhat) ** 2;
    n++;
    const newLevel = a * (y - s) + (1 - a) * (level + trend);
    trend = b * (newLevel - level) + (1 - b) * trend;
    season[t % m] = g * (y - newLevel) + (1 - g) * s;
    level = newLevel;
  }
  return { level, trend, season, sse, n };
}

const GRID = Array.from({ length: 10 }, (_, i) => 0.05 + i * 0.1);

function clampPoint(value: number, half: number): ForecastPoint {
  return { value: Math.max(0, value), lower: Math.max(0, value - half), upper: Math.max(0, value + half) };
}

export function fitHoltWinters(ys: readonly number[]): FittedModel {
  if (ys.length < 2 * SEASON) throw new Error('Holt-Winters needs two seasons of history');
  let best: { a: number; b: number; g: number; st: HwState } | null = null;
  for (const a of GRID) for (const b of GRID) for (const g of GRID) {
    const st = runHw(ys, a, b, g);
    if (best === null || st.sse < best.st.sse) best = { a, b, g, st };
  }
  const { a, b, g, st } = best!;
  const sigma2 = st.n > 0 ? st.sse / st.n : 0;
  const n = ys.length;
  return {
    model: 'holt_winters_additive',
    alpha: a,
    beta: b,
    gamma: g,
    forecast(h) {
      const out: ForecastPoint[] = [];
      let acc = 0;
      for (let k = 1; k <= h; k++) {
        // var_k = sigma^2 (1 + sum_{j<k} c_j^2), c_j = a(1 + j b) + g [j mod m = 0].
        if (k > 1) {
          const j = k - 1;
          acc += (a * (1 + j * b) + (j % SEASON === 0 ? g : 0)) ** 2;
        }
        const value = st.level + k * st.trend + st.season[(n + k - 1) % SEASON]!;
        out.push(clampPoint(value, Z95 * Math.sqrt(sigma2 * (1 + acc))));
      }
      return out;
    },
  };
}

/** The straight line through the history, with the regression's prediction interval. */
export function fitLinear(ys: readonly number[]): FittedModel {
  const n = ys.length;
  const { slope, intercept } = linearFit(ys);
  const resid = ys.map((y, i) => y - (intercept + slope * i));
  const dof = Math.max(1, n - 2);
  const s2 = resid.reduce((s, r) => s + r * r, 0) / dof;
  const mx = (n - 1) / 2;
  const sxx = ys.reduce((s, _, i) => s + (i - mx) ** 2, 0);
  return {
    model: n < 2 ? 'constant' : 'linear_trend',
    alpha: null,
    beta: null,
    gamma: null,
    forecast(h) {
      return Array.from({ length: h }, (_, k) => {
        const x = n - 1 + k + 1;
        const se = Math.sqrt(s2 * (1 + 1 / Math.max(1, n) + (sxx > 0 ? (x - mx) ** 2 / sxx : 0)));
        return clampPoint(intercept + slope * x, n < 3 ? 0 : Z95 * se);
      });
    },
  };
}

/** The seasonal model when there are two weeks of history, else the straight line. */
export function fitBest(ys: readonly number[]): FittedModel {
  return ys.length >= 2 * SEASON ? fitHoltWinters(ys) : fitLinear(ys);
}

/** Mean absolute percentage error (0.1 = 10 %) over the days with a non-zero actual; null when there are none. */
export function mape(actual: readonly number[], predicted: readonly number[]): number | null {
  let sum = 0;
  let n = 0;
  actual.forEach((y, i) => {
    if (y === 0) return;
    sum += Math.abs(y - predicted[i]!) / Math.abs(y);
    n++;
  });
  return n === 0 ? null : sum / n;
}

export interface Backtest {
  horizon_days: number;
  /** MAPE of the chosen model, fitted without the last 14 days, on those days. */
  mape: number | null;
  /** The same for a straight line (the baseline the model must beat). */
  baseline_mape: number | null;
  model: ModelName;
}

/** Fits on all but the last BACKTEST_DAYS and scores both models on them; null with less than one day left to fit. */
export function backtest(ys: readonly number[]): Backtest | null {
  if (ys.length <= BACKTEST_DAYS) return null;
  const train = ys.slice(0, ys.length - BACKTEST_DAYS);
  const test = ys.slice(ys.length - BACKTEST_DAYS);
  const model = fitBest(train);
  const line = fitLinear(train);
  return {
    horizon_days: BACKTEST_DAYS,
    mape: mape(test, model.forecast(BACKTEST_DAYS).map((p) => p.value)),
    baseline_mape: mape(test, line.forecast(BACKTEST_DAYS).map((p) => p.value)),
    model: model.model,
  };
}

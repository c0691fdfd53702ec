// GET /api/v1/analytics/quality: how many calls succeed and fail, why they
// fail (by status and by normalized error message), and the rates per bucket.
// Rates are shares of all spans in range: error = status_code ERROR, success
// = OK or SUCCESS; UNSET spans count in neither, so the two rates may sum to
// less than 1 (the rest is unset_count / request_count).
import { granularityParam, resolveGranularity } from './granularity.js';
import { topErrors, type ErrorGroup } from './error-messages.js';
import { intParam, reportQuery, type ParamSpec, type RawParams, type ReportQuery } from './params.js';
import { engineRows, num, num0, ratio, type ReportContext } from './report-context.js';
import type { ReportOutput } from './report-service.js';

export const QUALITY_PARAMS: ParamSpec = { granularity: { kind: 'text', maxLength: 16 }, top: { kind: 'int' } };
export const MAX_TOP = 100;

export interface QualityRequest {
  query: ReportQuery;
  granularity: string;
  /** Error messages listed. */
  top: number;
}

export function qualityRequest(raw: RawParams): QualityRequest {
  return { query: reportQuery(raw, 'now-7d'), granularity: granularityParam(raw), top: intParam(raw, 'top', 10, 1, MAX_TOP) };
}

const COUNTS = [
  { metric: 'request_count', alias: 'request_count' },
  { metric: 'success_count', alias: 'success_count' },
  { metric: 'error_count', alias: 'error_count' },
];

export interface QualityReport {
  request_count: number;
  success_count: number;
  error_count: number;
  unset_count: number;
  success_rate: number | null;
  error_rate: number | null;
  granularity: string;
  by_status: { status_code: string; count: number; share: number }[];
  top_errors: ErrorGroup[];
  time_series: { timestamp: string; request_count: number; success_count: number; error_count: number; success_rate: number | null; error_rate: number | null }[];
}

export async function qualityReport(ctx: ReportContext, req: QualityRequest): Promise<ReportOutput<QualityReport>> {
  const granularity = resolveGranularity(req.granularity, ctx.fromMs, ctx.toMs);
  const [byStatus, series, errors] = await Promise.all([
    engineRows(ctx, { metrics: [{ metric: 'request_count', alias: 'n' }], group_by: ['status_code'], sort_by: 'n' }),
    engineRows(ctx, { metrics: COUNTS, interval: granularity, fill: 'zero' }),
    topErrors(ctx, req.top),
  ]);
  const requests = byStatus.reduce((s, r) => s + num0(r, 'n'), 0);
  const countOf = (pred: (status: string) => boolean) => byStatus.filter((r) => pred(String(r.status_code))).reduce((s, r) => s + num0(r, 'n'), 0);
  const success = countOf((s) => s === 'OK' || s === 'SUCCESS');
  const error = countOf((s) => s === 'ERROR');
  return {
    data: {
      request_count: requests,
      success_count: success,
      error_count: error,
      unset_count: requests - success - error,
      success_rate: ratio(success, requests),
      error_rate: ratio(error, requests),
      granularity,
      by_status: byStatus.map((r) => ({ status_code: String(r.status_code), count: num0(r, 'n'), share: num0(r, 'n') / requests })),
      top_errors: errors,
      time_series: series.map((r) => {
        const n = num0(r, 'request_count');
        return {
          timestamp: String(r.timestamp),
          request_count: n,
          success_count: num0(r, 'success_count'),
          error_count: num0(r, 'error_count'),
          success_rate: ratio(num(r, 'success_count'), n),
          error_rate: ratio(num(r, 'error_count'), n),
        };
      }),
    },
  };
}

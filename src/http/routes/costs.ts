// The cost reports (read:costs only; see auth/permissions.ts): summary,
// attribution, forecast, and the seed system's /analytics/costs aliases
// answering the same data.
import type { FastifyInstance } from 'fastify';
import { ATTRIBUTION_PARAMS, attributionRunner } from '../../analytics/reports/cost-attribution.js';
import { costSummaryReport, costSummaryRequest, COST_SUMMARY_PARAMS } from '../../analytics/reports/cost-summary.js';
import { forecastReport, forecastRequest, FORECAST_PARAMS } from '../../analytics/reports/forecast.js';
import { reportRunner } from '../../analytics/reports/report-service.js';
import { attributionData, costSummaryData, forecastData } from '../report-schemas.js';
import { registerReport } from './report-route.js';

export interface CostRoutesOptions {
  /** HMAC key of attribution cursors (the same key as search cursors). */
  cursorKey: Uint8Array;
}

export default async function costRoutes(app: FastifyInstance, opts: CostRoutesOptions) {
  registerReport(app, {
    paths: ['/costs/summary', '/analytics/costs'],
    tag: 'costs',
    summary: 'Cost overview with day-over-day and week-over-week change, shares by provider, model, environment and project, daily and weekly trends, and the most expensive traces',
    params: COST_SUMMARY_PARAMS,
    data: costSummaryData,
    run: reportRunner({ name: 'cost-summary' }, costSummaryRequest, costSummaryReport),
  });
  registerReport(app, {
    paths: ['/costs/attribution', '/analytics/costs/breakdown'],
    tag: 'costs',
    summary: 'Cost per user, project, model, provider, environment, tag or attributes.<path>, each with its split by provider and model; keyset-paginated',
    params: ATTRIBUTION_PARAMS,
    data: attributionData,
    paginated: true,
    errors: ['ATTRIBUTION_DIMENSION_INVALID', 'INVALID_CURSOR'],
    run: attributionRunner(opts.cursorKey),
  });
  registerReport(app, {
    paths: ['/costs/forecast'],
    tag: 'costs',
    summary: 'Daily cost history and a forecast with 95 % intervals (additive Holt-Winters, weekly season) and its 14-day backtest error',
    params: FORECAST_PARAMS,
    data: forecastData,
    run: reportRunner({ name: 'cost-forecast' }, forecastRequest, forecastReport),
  });
}

// The analytics reports: performance, quality, model comparison,
// optimization advice and the period-over-period metrics summary. Each is a
// service of src/analytics/reports/ exposed by registerReport().
import type { FastifyInstance } from 'fastify';
import { compareReport, compareRequest, COMPARE_PARAMS } from '../../analytics/reports/models-compare.js';
import { optimizationReport, optimizationRequest, OPTIMIZATION_PARAMS } from '../../analytics/reports/optimization.js';
import { performanceReport, performanceRequest, PERFORMANCE_PARAMS } from '../../analytics/reports/performance.js';
import { summaryReport, summaryRequest, SUMMARY_PARAMS } from '../../analytics/reports/period-summary.js';
import { qualityReport, qualityRequest, QUALITY_PARAMS } from '../../analytics/reports/quality.js';
import { reportRunner } from '../../analytics/reports/report-service.js';
import { compareData, optimizationData, performanceData, qualityData, summaryData } from '../report-schemas.js';
import { registerReport } from './report-route.js';

export default async function analyticsReportRoutes(app: FastifyInstance) {
  registerReport(app, {
    paths: ['/analytics/performance'],
    tag: 'analytics',
    summary: 'Latency (avg, min, max, p50/p95/p99), time to first token, throughput and tokens per second, with a time series',
    params: PERFORMANCE_PARAMS,
    data: performanceData,
    run: reportRunner({ name: 'performance' }, performanceRequest, performanceReport),
  });
  registerReport(app, {
    paths: ['/analytics/quality'],
    tag: 'analytics',
    summary: 'Success and error rates, errors by status and by normalized message, with a time series',
    params: QUALITY_PARAMS,
    data: qualityData,
    run: reportRunner({ name: 'quality' }, qualityRequest, qualityReport),
  });
  registerReport(app, {
    paths: ['/analytics/models/compare'],
    tag: 'analytics',
    summary: 'Latency, cost, success rate, volume and throughput of 2 to 10 models side by side, and the fastest, cheapest and most reliable',
    params: COMPARE_PARAMS,
    data: compareData,
    errors: ['COMPARE_MODEL_COUNT'],
    run: reportRunner({ name: 'models-compare' }, compareRequest, compareReport),
  });
  registerReport(app, {
    paths: ['/analytics/optimization'],
    tag: 'analytics',
    summary: 'Data-backed advice (cheaper models, failing or slow model/provider pairs, growing prompts) with impact, evidence, priority and a score',
    params: OPTIMIZATION_PARAMS,
    data: optimizationData,
    run: reportRunner({ name: 'optimization' }, optimizationRequest, optimizationReport),
  });
  registerReport(app, {
    paths: ['/metrics/summary'],
    tag: 'metrics',
    summary: 'The range next to the period before it, with changes, top models by cost, requests, latency and errors, and the most common errors',
    params: SUMMARY_PARAMS,
    data: summaryData,
    run: reportRunner({ name: 'metrics-summary' }, summaryRequest, summaryReport),
  });
}

// One function per capability (src/auth/permissions.ts): who may read
// traces, ingest, scrape and query metrics, run each report, and see money.
import { describe, expect, it } from 'vitest';
import {
  authorizeIngest,
  authorizeMetricsQuery,
  authorizeMetricsScrape,
  authorizeReport,
  authorizeSpanRead,
  authorizeTraceRead,
  REPORT_PERMISSIONS,
  visibleFields,
} from '../../src/auth/permissions.js';
import { AppError } from '../../src/errors.js';
import { costFieldInFilter, type FilterNode } from '../../src/query/ast.js';
import { FIELDS, lookupField } from '../../src/query/fields.js';
import { normalize } from '../../src/query/normalize.js';
import { validateFilter } from '../../src/query/validate.js';
import { principal } from '../helpers/principal.js';

const forbidden = (fn: () => unknown, message?: RegExp) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('FORBIDDEN');
    if (message) expect((err as AppError).message).toMatch(message);
    return;
  }
  throw new Error('expected FORBIDDEN');
};
const filter = (wire: unknown): FilterNode => normalize(validateFilter(wire, 'filter'));
const costFilter = filter({ operator: 'NOT', filters: [{ field: 'total_cost_usd', operator: 'gt', value: 1 }] });
const ts = lookupField('ts')!;
const cost = lookupField('total_cost_usd')!;

describe('capabilities by role', () => {
  it('traces read, ingest and the metrics scrape follow the role permissions', () => {
    authorizeTraceRead(principal('viewer', ['p']));
    forbidden(() => authorizeTraceRead(principal('billing', ['p'])), /'read:traces'/);
    authorizeIngest(principal('developer', ['p']));
    forbidden(() => authorizeIngest(principal('viewer', ['p'])), /'write:traces'/);
    authorizeMetricsScrape(principal('viewer', ['p']));
    forbidden(() => authorizeMetricsScrape(principal('billing', ['p'])), /'read:metrics'/);
  });

  it('cost columns are hidden by default and refused when asked for, sorted or filtered on without read:costs', () => {
    const noCosts = principal('viewer', ['p'], { permissions: new Set(['read:traces']) });
    expect(visibleFields(noCosts, FIELDS).some((f) => f.cost)).toBe(false);
    expect(visibleFields(principal('viewer', ['p']), FIELDS)).toBe(FIELDS);
    expect(authorizeSpanRead(noCosts, { fields: null, sort: ts, filter: null }, FIELDS).scope).toEqual(['p']);
    forbidden(() => authorizeSpanRead(noCosts, { fields: [cost], sort: ts, filter: null }, FIELDS), /^Field 'total_cost_usd'/);
    forbidden(() => authorizeSpanRead(noCosts, { fields: null, sort: cost, filter: null }, FIELDS), /^Sorting by 'total_cost_usd'/);
    forbidden(() => authorizeSpanRead(noCosts, { fields: null, sort: ts, filter: costFilter }, FIELDS), /^Filtering on 'total_cost_usd'/);
    forbidden(() => authorizeSpanRead(noCosts, { fields: null, sort: ts, filter: null, projects: ['q'] }, FIELDS), /project 'q'/);
  });

  it('requested columns come back in registry order', () => {
    const { fields } = authorizeSpanRead(principal('admin', 'all'), { fields: [cost, ts], sort: ts, filter: null }, FIELDS);
    expect(fields.map((f) => f.name)).toEqual(FIELDS.filter((f) => f === cost || f === ts).map((f) => f.name));
  });

  it('metrics queries need read:metrics, and read:costs for a money metric or a cost filter', () => {
    const q = { metrics: [{ metric: { name: 'count' } }], filter: null, projects: null };
    expect(authorizeMetricsQuery(principal('viewer', ['p']), q)).toEqual(['p']);
    forbidden(() => authorizeMetricsQuery(principal('billing', ['p']), q), /'read:metrics'/);
    const noCosts = principal('viewer', ['p'], { permissions: new Set(['read:metrics']) });
    forbidden(() => authorizeMetricsQuery(noCosts, { ...q, metrics: [{ metric: { name: 'total_cost', cost: true } }] }), /^Metric 'total_cost'/);
    forbidden(() => authorizeMetricsQuery(noCosts, { ...q, filter: costFilter }), /^Filtering on/);
  });

  it('billing runs the cost reports only; analytics reports with money need both permissions', () => {
    const billing = principal('billing', ['p']);
    const q = { filter: null, projects: null };
    for (const name of Object.keys(REPORT_PERMISSIONS) as (keyof typeof REPORT_PERMISSIONS)[]) {
      if (name.startsWith('cost-')) expect(authorizeReport(billing, name, q)).toEqual(['p']);
      else forbidden(() => authorizeReport(billing, name, q), /'read:metrics'/);
    }
    const metricsOnly = principal('viewer', ['p'], { permissions: new Set(['read:metrics']) });
    expect(authorizeReport(metricsOnly, 'performance', q)).toEqual(['p']);
    forbidden(() => authorizeReport(metricsOnly, 'models-compare', q), /'read:costs'/);
    forbidden(() => authorizeReport(metricsOnly, 'quality', { filter: costFilter, projects: null }), /^Filtering on/);
  });

  it('costFieldInFilter finds a cost column anywhere in the tree', () => {
    expect(costFieldInFilter(null)).toBeNull();
    expect(costFieldInFilter(filter({ field: 'model', operator: 'eq', value: 'x' }))).toBeNull();
    expect(costFieldInFilter(filter({ operator: 'OR', filters: [{ field: 'model', operator: 'eq', value: 'x' }, { field: 'prompt_cost_usd', operator: 'lt', value: 2 }] }))?.name).toBe('prompt_cost_usd');
  });
});

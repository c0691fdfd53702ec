// Who may use which capability: one function per capability (traces read,
// ingest, the metrics scrape, metrics queries, reports, costs). Services call
// these; routes never decide a permission and the query compiler never does.
// Every 403 of the API is thrown here or by projectScope (principal.ts).
import { appError } from '../errors.js';
import { costFieldInFilter, type FilterNode } from '../query/ast.js';
import type { FieldDef } from '../query/fields.js';
import { hasPermission, projectScope, requirePermission, type Permission, type Principal } from './principal.js';

/** Money (cost columns, cost metrics, cost reports) needs read:costs. */
export function canReadCosts(p: Principal): boolean {
  return hasPermission(p, 'read:costs');
}

/** The one check and message for anything that would reveal money: `what` names it ("Field 'x'"). */
export function requireCostRead(p: Principal, what: string): void {
  if (!canReadCosts(p)) throw appError.FORBIDDEN(`${what} needs the 'read:costs' permission`);
}

/** A filter on a cost field reveals money as surely as returning it. */
export function requireCostReadForFilter(p: Principal, filter: FilterNode | null): void {
  if (canReadCosts(p)) return;
  const f = costFieldInFilter(filter);
  if (f) requireCostRead(p, `Filtering on '${f.name}'`);
}

/** Search, list, trace by id and export (stream and jobs): read:traces. */
export function authorizeTraceRead(p: Principal): void {
  requirePermission(p, 'read:traces');
}

/** What a read of spans touches: the columns it returns, its sort, its filter and the projects it names. */
export interface SpanReadTouches {
  /** The requested columns in request order, or null for "every column the caller may see". */
  readonly fields: readonly FieldDef[] | null;
  readonly sort: FieldDef;
  readonly filter: FilterNode | null;
  readonly projects?: readonly string[];
}

/**
 * Checks what a span read touches (after authorizeTraceRead) and returns the
 * columns it may return (registry order) and its tenant scope.
 */
export function authorizeSpanRead(p: Principal, t: SpanReadTouches, registry: readonly FieldDef[]): { fields: readonly FieldDef[]; scope: readonly string[] | null } {
  let fields: readonly FieldDef[];
  if (t.fields === null) {
    fields = visibleFields(p, registry);
  } else {
    for (const f of t.fields) if (f.cost) requireCostRead(p, `Field '${f.name}'`);
    const wanted = new Set(t.fields.map((f) => f.name));
    fields = registry.filter((f) => wanted.has(f.name));
  }
  const scope = projectScope(p, t.projects);
  if (t.sort.cost) requireCostRead(p, `Sorting by '${t.sort.name}'`);
  requireCostReadForFilter(p, t.filter);
  return { fields, scope };
}

/** The columns a caller may see: cost columns need read:costs. The one place cost fields are hidden. */
export function visibleFields(p: Principal, registry: readonly FieldDef[]): readonly FieldDef[] {
  return canReadCosts(p) ? registry : registry.filter((f) => !f.cost);
}

/** JSON and OTLP ingest: write:traces (each span's project is checked by canAccessProject). */
export function authorizeIngest(p: Principal): void {
  requirePermission(p, 'write:traces');
}

/** GET /metrics when METRICS_REQUIRE_AUTH is on: read:metrics. */
export function authorizeMetricsScrape(p: Principal): void {
  requirePermission(p, 'read:metrics');
}

/** A metrics query: read:metrics; read:costs for a money metric or a cost filter. Returns the tenant scope. */
export function authorizeMetricsQuery(
  p: Principal,
  q: { metrics: readonly { metric: { name: string; cost?: boolean } }[]; filter: FilterNode | null; projects: readonly string[] | null },
): readonly string[] | null {
  requirePermission(p, 'read:metrics');
  const money = q.metrics.find((m) => m.metric.cost);
  if (money) requireCostRead(p, `Metric '${money.metric.name}'`);
  requireCostReadForFilter(p, q.filter);
  return projectScope(p, q.projects ?? undefined);
}

/**
 * What each report needs: `read:metrics` for analytics, `read:costs` for
 * money (so the billing role reads the cost reports and nothing else), both
 * for an analytics report that returns money.
 */
export const REPORT_PERMISSIONS = {
  performance: ['read:metrics'],
  quality: ['read:metrics'],
  'models-compare': ['read:metrics', 'read:costs'],
  optimization: ['read:metrics', 'read:costs'],
  'metrics-summary': ['read:metrics', 'read:costs'],
  'cost-summary': ['read:costs'],
  'cost-attribution': ['read:costs'],
  'cost-forecast': ['read:costs'],
} as const satisfies Record<string, readonly Permission[]>;

export type ReportName = keyof typeof REPORT_PERMISSIONS;

/** A report: its permissions, then a cost filter needs read:costs. Returns the tenant scope. */
export function authorizeReport(p: Principal, name: ReportName, q: { filter: FilterNode | null; projects: readonly string[] | null }): readonly string[] | null {
  for (const perm of REPORT_PERMISSIONS[name]) requirePermission(p, perm);
  requireCostReadForFilter(p, q.filter);
  return projectScope(p, q.projects ?? undefined);
}

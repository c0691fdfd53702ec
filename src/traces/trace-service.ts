// The trace-by-id service: permission, cost visibility, tenant scope, cache
// and the 404 are decided here, once; the route parses and serializes.
import { hasPermission, projectScope, requirePermission, type Principal } from '../auth/principal.js';
import type { ResultCache } from '../cache/result-cache.js';
import { appError } from '../errors.js';
import { FIELDS } from '../query/fields.js';
import type { Queryable } from '../storage/driver.js';
import { buildSpanTree, type SpanTreeNode } from './span-tree.js';
import { getTraceSpans, visibleFields, type SpanRow } from './trace-sql.js';

export interface TraceDeps {
  reader: Queryable;
  cache: Pick<ResultCache, 'wrap'>;
}

export interface Trace {
  trace_id: string;
  span_count: number;
  spans: SpanRow[];
  tree: SpanTreeNode[];
}

export async function getTrace(deps: TraceDeps, principal: Principal, traceId: string): Promise<{ value: Trace; cached: boolean }> {
  requirePermission(principal, 'read:traces');
  const canReadCosts = hasPermission(principal, 'read:costs');
  return deps.cache.wrap(principal, { kind: 'trace', query: { traceId, canReadCosts } }, async () => {
    const spans = await getTraceSpans(deps.reader, traceId, projectScope(principal), visibleFields(canReadCosts, FIELDS));
    // The same 404 whether the trace is missing or belongs to another tenant (404s are not cached).
    if (spans.length === 0) throw appError.NOT_FOUND(`Trace '${traceId}' not found`);
    const tree = buildSpanTree(spans as { span_id: string; parent_span_id: string | null; span_name: string }[]);
    return { trace_id: traceId, span_count: spans.length, spans, tree };
  });
}

// The trace-by-id service: permission, cost visibility, tenant scope, cache
// and the 404 are decided here, once; the route parses and serializes.
import { authorizeTraceRead, canReadCosts, visibleFields } from '../auth/permissions.js';
import { projectScope, type Principal } from '../auth/principal.js';
import type { ResultCache } from '../cache/result-cache.js';
import { appError } from '../errors.js';
import { FIELDS } from '../query/fields.js';
import { readYourWrites } from '../replica/read-router.js';
import type { Driver } from '../storage/driver.js';
import { buildSpanTree, type SpanTreeNode } from './span-tree.js';
import { getTraceSpans, type SpanRow } from './trace-sql.js';

export interface TraceDeps {
  reader: Driver;
  cache: Pick<ResultCache, 'wrap'>;
}

export interface Trace {
  trace_id: string;
  span_count: number;
  spans: SpanRow[];
  tree: SpanTreeNode[];
}

export async function getTrace(deps: TraceDeps, principal: Principal, traceId: string): Promise<{ value: Trace; cached: boolean }> {
  authorizeTraceRead(principal);
  return deps.cache.wrap(principal, { kind: 'trace', query: { traceId, canReadCosts: canReadCosts(principal) } }, async () => {
    // Read-your-writes: a trace the replica does not have yet (ingested a
    // moment ago) is read from the primary before answering 404.
    const fields = visibleFields(principal, FIELDS);
    const spans = await readYourWrites(deps.reader, (db) => getTraceSpans(db, traceId, projectScope(principal), fields), (rows) => rows.length > 0);
    // The same 404 whether the trace is missing or belongs to another tenant (404s are not cached).
    if (spans.length === 0) throw appError.NOT_FOUND(`Trace '${traceId}' not found`);
    const tree = buildSpanTree(spans as { span_id: string; parent_span_id: string | null; span_name: string }[]);
    return { trace_id: traceId, span_count: spans.length, spans, tree };
  });
}

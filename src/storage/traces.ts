// Reads of whole traces. Every query takes the caller's project scope; a null
// scope (admin) is the only way to read across all projects.
import { FIELDS, type FieldDef } from '../query/fields.js';
import type { Queryable } from './driver.js';

export type SpanRow = Record<string, unknown>;

/**
 * The SELECT list for the given fields; identifiers come only from the registry.
 * Decimals leave the database as float8 because the API returns JSON numbers;
 * storage and comparisons stay exact numeric (a cursor must carry the exact value).
 */
export function selectList(fields: readonly FieldDef[]): string {
  return fields.map((f) => (f.type === 'decimal' ? `${f.column}::float8 AS ${f.column}` : f.column)).join(', ');
}

/** Fields a caller may see: cost columns need read:costs. */
export function visibleFields(canReadCosts: boolean, requested?: readonly FieldDef[]): readonly FieldDef[] {
  const base = requested ?? FIELDS;
  return canReadCosts ? base : base.filter((f) => !f.cost);
}

export async function getTraceSpans(
  db: Queryable,
  traceId: string,
  scope: readonly string[] | null,
  fields: readonly FieldDef[],
  signal?: AbortSignal,
): Promise<SpanRow[]> {
  const params: unknown[] = [traceId];
  let where = 'trace_id = $1';
  if (scope !== null) {
    params.push(scope);
    where += ' AND project_id = ANY($2::text[])';
  }
  const res = await db.query<SpanRow>(
    `SELECT ${selectList(fields)} FROM llm_traces WHERE ${where} ORDER BY ts ASC, id ASC LIMIT 10000`,
    params,
    { kind: 'trace', signal },
  );
  return res.rows;
}

export interface SpanTreeNode {
  span_id: string;
  span_name: string;
  children: SpanTreeNode[];
}

/**
 * Builds the span tree from parent_span_id. A span whose parent is not among
 * the visible spans is a root, so a partially ingested trace still renders.
 */
export function buildSpanTree(spans: readonly { span_id: string; parent_span_id: string | null; span_name: string }[]): SpanTreeNode[] {
  const nodes = new Map<string, SpanTreeNode>();
  for (const s of spans) {
    if (!nodes.has(s.span_id)) nodes.set(s.span_id, { span_id: s.span_id, span_name: s.span_name, children: [] });
  }
  const roots: SpanTreeNode[] = [];
  const attached = new Set<string>();
  for (const s of spans) {
    if (attached.has(s.span_id)) continue;
    attached.add(s.span_id);
    const node = nodes.get(s.span_id)!;
    const parent = s.parent_span_id && s.parent_span_id !== s.span_id ? nodes.get(s.parent_span_id) : undefined;
    if (parent && !isAncestor(node, parent)) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

// Guards against parent cycles in client-sent data (a -> b -> a), which would
// otherwise make the tree infinite.
function isAncestor(candidate: SpanTreeNode, of: SpanTreeNode): boolean {
  const stack = [candidate];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === of) return true;
    stack.push(...n.children);
  }
  return false;
}

// The span tree of one trace, built from parent_span_id; pure, no SQL.
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

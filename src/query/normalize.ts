// Rewrite passes between validation and compilation, each small and separate:
//  1. negation normal form: NOT is pushed down to the predicates (De Morgan),
//     ne / not_in / not_contains become negated eq / in / contains, so NOT NOT
//     disappears and negation has one meaning (two-valued, see docs/api.md);
//  2. flatten: AND inside AND (OR inside OR) merges, one-child groups vanish;
//  3. duplicate values in IN lists are dropped (first occurrence kept).
// The output is what the compiler, the cursor binding and the cache key see.
import type { FilterNode, PositiveOperator, PredicateNode, Scalar } from './ast.js';
import type { Operator } from './fields.js';

const POSITIVE: Partial<Record<Operator, PositiveOperator>> = { ne: 'eq', not_in: 'in', not_contains: 'contains' };

export function normalize(node: FilterNode): FilterNode {
  return flatten(pushNot(node, false));
}

function pushNot(node: FilterNode, negate: boolean): FilterNode {
  switch (node.kind) {
    case 'not':
      return pushNot(node.child, !negate);
    case 'and':
    case 'or': {
      const kind = negate ? (node.kind === 'and' ? 'or' : 'and') : node.kind;
      return { kind, children: node.children.map((c) => pushNot(c, negate)) };
    }
    case 'predicate':
      return canonicalPredicate(node, negate);
  }
}

function canonicalPredicate(p: PredicateNode, negate: boolean): PredicateNode {
  const positive = POSITIVE[p.op];
  const op = positive ?? p.op;
  const negated = p.negated !== negate !== (positive !== undefined);
  const value = Array.isArray(p.value) ? dedupe(p.value as readonly Scalar[]) : p.value;
  return { kind: 'predicate', target: p.target, op, value, negated };
}

function dedupe(values: readonly Scalar[]): Scalar[] {
  const seen = new Set<string>();
  const out: Scalar[] = [];
  for (const v of values) {
    const key = `${typeof v}:${String(v)}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

function flatten(node: FilterNode): FilterNode {
  if (node.kind === 'predicate') return node;
  if (node.kind === 'not') return { kind: 'not', child: flatten(node.child) };
  const children: FilterNode[] = [];
  for (const c of node.children.map(flatten)) {
    if (c.kind === node.kind) children.push(...c.children);
    else children.push(c);
  }
  return children.length === 1 ? children[0]! : { kind: node.kind, children };
}

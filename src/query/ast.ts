// Node kinds of the filter DSL after validation. Small readonly types keyed by
// `kind`; the compiler dispatches through a Record<Kind, handler>, so a new
// kind does not type-check until every pass handles it.
import type { FieldDef, Operator } from './fields.js';

/** What a predicate reads: a registry column, a key path in attributes, or the combined text. */
export type Target =
  | { readonly kind: 'column'; readonly field: FieldDef }
  | { readonly kind: 'attribute'; readonly path: readonly string[] }
  | { readonly kind: 'content' };

/** A scalar as it leaves validation: decimals are exact decimal text, timestamps ISO 8601 text. */
export type Scalar = string | number | boolean;
export type Value = Scalar | null | readonly Scalar[];

export interface PredicateNode {
  readonly kind: 'predicate';
  readonly target: Target;
  readonly op: Operator;
  readonly value: Value;
  /**
   * Two-valued negation: true for rows where the positive predicate is not
   * true, NULL columns included. Set by normalize (ne, not_in, not_contains, NOT).
   */
  readonly negated: boolean;
}

export interface AndNode {
  readonly kind: 'and';
  readonly children: readonly FilterNode[];
}

export interface OrNode {
  readonly kind: 'or';
  readonly children: readonly FilterNode[];
}

export interface NotNode {
  readonly kind: 'not';
  readonly child: FilterNode;
}

export type FilterNode = PredicateNode | AndNode | OrNode | NotNode;
export type NodeKind = FilterNode['kind'];

/** Operators a normalized predicate can carry; the negative ones become `negated`. */
export type PositiveOperator = Exclude<Operator, 'ne' | 'not_in' | 'not_contains'>;


/** The first registry cost column a filter reads, or null: a fact for the permission check (auth/permissions.ts). */
export function costFieldInFilter(filter: FilterNode | null): FieldDef | null {
  const stack: FilterNode[] = filter ? [filter] : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.kind === 'predicate') {
      if (n.target.kind === 'column' && n.target.field.cost) return n.target.field;
    } else if (n.kind === 'not') stack.push(n.child);
    else stack.push(...n.children);
  }
  return null;
}

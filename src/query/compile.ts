// AST -> SQL. The only place that turns user input into SQL text: identifiers
// come from the field registry (the Column brand), values only through
// SqlParams.append(), which owns `$n` numbering. The same AST always compiles
// to byte-identical SQL and params (exact-SQL tests and cache keys rely on it).
import type { FilterNode, NodeKind, PositiveOperator, PredicateNode, Scalar, Target } from './ast.js';
import { ATTRIBUTE_NUMBERS, ATTRIBUTE_STRINGS, COMBINED_VECTOR, type Column, type Operator } from './fields.js';
import { requiredLiteral } from './regex-check.js';

/** Every parameter carries an explicit cast, so both engines type it the same way. */
export type SqlCast =
  | 'text' | 'bigint' | 'numeric' | 'timestamptz' | 'jsonb'
  | 'text[]' | 'bigint[]' | 'numeric[]' | 'timestamptz[]' | 'jsonb[]';

export class SqlParams {
  readonly values: unknown[] = [];

  append(value: unknown, cast: SqlCast): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

export interface CompiledSql {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Compiles a filter on its own (tests, and callers that build no other SQL). */
export function compileFilter(node: FilterNode): CompiledSql {
  const params = new SqlParams();
  return { sql: compileNode(node, params), params: params.values };
}

type Handlers = { [K in NodeKind]: (node: Extract<FilterNode, { kind: K }>, params: SqlParams) => string };

const HANDLERS: Handlers = {
  and: (n, p) => `(${n.children.map((c) => compileNode(c, p)).join(' AND ')})`,
  or: (n, p) => `(${n.children.map((c) => compileNode(c, p)).join(' OR ')})`,
  // Normalize pushes NOT down to predicates; this form keeps the compiler
  // correct (two-valued) for an AST that skipped normalization.
  not: (n, p) => `(${compileNode(n.child, p)}) IS NOT TRUE`,
  predicate: (n, p) => compilePredicate(n, p),
};

/** Appends the filter's parameters to `params` and returns its SQL. */
export function compileNode(node: FilterNode, params: SqlParams): string {
  return (HANDLERS[node.kind] as (n: FilterNode, p: SqlParams) => string)(node, params);
}

// --- predicates ---------------------------------------------------------

const C = 'COLLATE "C"';
/** The SQL type a value of each field type is bound as (filters and keyset positions alike). */
export const CAST: Record<'text' | 'integer' | 'decimal' | 'timestamp', SqlCast> = {
  text: 'text',
  integer: 'bigint',
  decimal: 'numeric',
  timestamp: 'timestamptz',
};
const ORDER_SQL: Partial<Record<Operator, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** `%`, `_` and `\` match literally (backslash is ILIKE's default escape). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

function likePattern(op: PositiveOperator, v: string): string {
  const e = escapeLike(v);
  return op === 'starts_with' ? `${e}%` : op === 'ends_with' ? `%${e}` : `%${e}%`;
}

interface Positive {
  sql: string;
  /** Null-test form (eq null): its negation is the opposite test, never unknown. */
  nullTest?: string;
}

function compilePredicate(n: PredicateNode, params: SqlParams): string {
  const pos = positive(n, params);
  if (!n.negated) return pos.sql;
  if (pos.nullTest !== undefined) return pos.nullTest;
  // Two-valued NOT: a row whose positive test is unknown (NULL column, absent
  // key, wrong JSON type) satisfies the negation.
  return canBeUnknown(n.target) ? `(${pos.sql}) IS NOT TRUE` : `NOT (${pos.sql})`;
}

function canBeUnknown(t: Target): boolean {
  return t.kind === 'attribute' || (t.kind === 'column' && t.field.nullable);
}

function positive(n: PredicateNode, params: SqlParams): Positive {
  switch (n.target.kind) {
    case 'content':
      return { sql: `${COMBINED_VECTOR} @@ websearch_to_tsquery('english', ${params.append(n.value, 'text')})` };
    case 'attribute':
      return attributePredicate(n, n.target.path, params);
    case 'column': {
      const f = n.target.field;
      switch (f.type) {
        case 'tags':
          return { sql: tagsPredicate(f.column, n, params) };
        case 'attributes':
          throw new Error('attributes column needs a key path'); // rejected by validation
        case 'text':
          if (n.op === 'search') {
            return { sql: `${f.vector ?? COMBINED_VECTOR} @@ websearch_to_tsquery('english', ${params.append(n.value, 'text')})` };
          }
          return scalarPredicate(f.column, CAST.text, n, params);
        default:
          return scalarPredicate(f.column, CAST[f.type], n, params);
      }
    }
  }
}

function scalarPredicate(col: Column, cast: SqlCast, n: PredicateNode, params: SqlParams): Positive {
  const v = n.value;
  switch (n.op) {
    case 'eq':
      if (v === null) return { sql: `${col} IS NULL`, nullTest: `${col} IS NOT NULL` };
      return { sql: `${col} = ${params.append(v, cast)}` };
    case 'in':
      return { sql: `${col} = ANY(${params.append(v, `${cast}[]` as SqlCast)})` };
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      // C collation: ASCII-only case folding, identical on every engine and locale.
      return { sql: `${col} ${C} ILIKE ${params.append(likePattern(n.op, v as string), 'text')}` };
    case 'regex':
      return { sql: `${col} ${C} ~ ${params.append(v, 'text')}` };
    default: {
      const cmp = ORDER_SQL[n.op];
      if (!cmp) throw new Error(`operator ${n.op} has no scalar form`);
      return { sql: `${col} ${cmp} ${params.append(v, cast)}` };
    }
  }
}

function tagsPredicate(col: Column, n: PredicateNode, params: SqlParams): string {
  const values = Array.isArray(n.value) ? n.value : [n.value];
  // in: holds at least one of the values; eq / contains: holds all of them.
  return n.op === 'in' ? `${col} && ${params.append(values, 'text[]')}` : `${col} @> ${params.append(values, 'text[]')}`;
}

/** `attributes -> $a -> $b`: object keys only; an array or scalar on the way yields NULL. */
function attributeExpr(path: readonly string[], params: SqlParams): string {
  return `(attributes${path.map((k) => ` -> ${params.append(k, 'text')}`).join('')})`;
}

/**
 * `attributes @> {"a":{"b":v}}`: implied by `attributes -> a -> b = v` (jsonb
 * equality of scalars is containment), and served by the jsonb_path_ops GIN
 * index. ANDed in front of the exact comparison, which keeps the semantics.
 */
function containment(path: readonly string[], v: Scalar): string {
  let doc: unknown = v;
  for (let i = path.length - 1; i >= 0; i--) doc = { [path[i]!]: doc };
  return JSON.stringify(doc);
}

/**
 * A trigram prefilter is worth adding only for text with a trigram: three
 * letters or digits in a row (pg_trgm splits words at anything else, and a
 * pattern without a trigram would read the whole index).
 */
const HAS_TRIGRAM = /[\p{L}\p{N}]{3}/u;

/**
 * A lossy prefilter implied by an attribute text match that holds (migration
 * 0012): the matching value is one line of tracelens_attribute_strings, so
 * that text contains the value (or the regex's required literal) as a
 * substring, whatever the quoting, escaping or case. Served by its trigram
 * GIN. Null when the literal has no trigram.
 */
function attributeTextPrefilter(n: PredicateNode, params: SqlParams): string | null {
  const literal = n.op === 'regex' ? requiredLiteral(n.value as string) : (n.value as string);
  if (!HAS_TRIGRAM.test(literal)) return null;
  return `${ATTRIBUTE_STRINGS} ${C} ILIKE ${params.append(likePattern('contains', literal), 'text')}`;
}

/**
 * A prefilter implied by an attribute range that holds (migration 0012): the
 * number at the path is in the side table under that path, for this span.
 * Unqualified `ts` and `id` are the span's (the side table has neither
 * column), whatever the outer statement calls its table.
 */
function attributeRangePrefilter(path: readonly string[], cmp: string, v: unknown, params: SqlParams): string {
  const t = ATTRIBUTE_NUMBERS;
  return (
    `EXISTS (SELECT 1 FROM ${t} WHERE ${t}.attr_path = ${params.append(path, 'text[]')}` +
    ` AND ${t}.attr_value ${cmp} ${params.append(String(v), 'numeric')} AND ${t}.span_ts = ts AND ${t}.span_pk = id)`
  );
}

/** `(prefilter AND exact)`: the same truth value as `exact` alone, true, false or unknown alike, since exact implies prefilter. */
function withPrefilter(prefilter: string | null, exact: string): string {
  return prefilter === null ? exact : `(${prefilter} AND ${exact})`;
}

function attributePredicate(n: PredicateNode, path: readonly string[], params: SqlParams): Positive {
  const v = n.value;
  if (n.op === 'eq' && v !== null) {
    const probe = params.append(containment(path, v as Scalar), 'jsonb');
    return { sql: `(attributes @> ${probe} AND ${attributeExpr(path, params)} = ${params.append(JSON.stringify(v), 'jsonb')})` };
  }
  if (n.op === 'in') {
    const values = v as Scalar[];
    const probe = params.append(values.map((x) => containment(path, x)), 'jsonb[]');
    return { sql: `(attributes @> ANY(${probe}) AND ${attributeExpr(path, params)} = ANY(${params.append(values.map((x) => JSON.stringify(x)), 'jsonb[]')}))` };
  }
  // A negation is true for almost every row: no index serves it, so no prefilter.
  switch (n.op) {
    case 'eq': {
      // An absent key and a JSON null are both "null".
      const base = `coalesce(${attributeExpr(path, params)}, 'null'::jsonb)`;
      return { sql: `${base} = 'null'::jsonb`, nullTest: `${base} <> 'null'::jsonb` };
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with':
    case 'regex': {
      const pre = n.negated ? null : attributeTextPrefilter(n, params);
      const expr = attributeExpr(path, params);
      const match =
        n.op === 'regex'
          ? `${C} ~ ${params.append(v, 'text')}`
          : `${C} ILIKE ${params.append(likePattern(n.op, v as string), 'text')}`;
      return { sql: withPrefilter(pre, `CASE WHEN jsonb_typeof(${expr}) = 'string' THEN (${expr} #>> '{}') ${match} END`) };
    }
    default: {
      const cmp = ORDER_SQL[n.op];
      if (!cmp) throw new Error(`operator ${n.op} has no attribute form`);
      const pre = n.negated ? null : attributeRangePrefilter(path, cmp, v, params);
      const expr = attributeExpr(path, params);
      // CASE, not AND: PostgreSQL does not promise to evaluate AND left to right,
      // and casting a non-number to numeric would fail the whole query.
      return {
        sql: withPrefilter(pre, `CASE WHEN jsonb_typeof(${expr}) = 'number' THEN (${expr})::numeric ${cmp} ${params.append(String(v), 'numeric')} END`),
      };
    }
  }
}

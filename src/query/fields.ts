// The field registry: the only source of SQL identifiers in tracelens. Public
// field names map to columns here; the Column brand makes it a type error to
// put any other string where an identifier belongs.

declare const columnBrand: unique symbol;
/** A column name that came from this registry, never from user input. */
export type Column = string & { readonly [columnBrand]: true };

export type FieldType = 'text' | 'integer' | 'decimal' | 'timestamp' | 'tags' | 'attributes';

export interface FieldDef {
  readonly name: string;
  readonly column: Column;
  readonly type: FieldType;
  readonly nullable: boolean;
  readonly sortable: boolean;
  /** Needs read:costs to be returned. */
  readonly cost?: boolean;
  /** Its own full-text vector, for the `search` operator. */
  readonly vector?: Column;
}

const col = (name: string) => name as Column;

function field(
  name: string,
  type: FieldType,
  opts: { nullable?: boolean; sortable?: boolean; cost?: boolean; vector?: string } = {},
): FieldDef {
  return Object.freeze({
    name,
    column: col(name),
    type,
    nullable: opts.nullable ?? true,
    sortable: opts.sortable ?? false,
    ...(opts.cost ? { cost: true } : {}),
    ...(opts.vector ? { vector: col(opts.vector) } : {}),
  });
}

/** Every public span field, in output order. */
export const FIELDS: readonly FieldDef[] = Object.freeze([
  field('ts', 'timestamp', { nullable: false, sortable: true }),
  field('trace_id', 'text', { nullable: false }),
  field('span_id', 'text', { nullable: false }),
  field('parent_span_id', 'text'),
  field('project_id', 'text', { nullable: false }),
  field('span_name', 'text', { nullable: false }),
  field('provider', 'text', { sortable: true }),
  field('model', 'text', { sortable: true }),
  field('input_text', 'text', { vector: 'input_tsv' }),
  field('output_text', 'text', { vector: 'output_tsv' }),
  field('prompt_tokens', 'integer', { sortable: true }),
  field('completion_tokens', 'integer', { sortable: true }),
  field('total_tokens', 'integer', { sortable: true }),
  field('prompt_cost_usd', 'decimal', { cost: true }),
  field('completion_cost_usd', 'decimal', { cost: true }),
  field('total_cost_usd', 'decimal', { sortable: true, cost: true }),
  field('duration_ms', 'integer', { nullable: false, sortable: true }),
  field('ttft_ms', 'integer', { sortable: true }),
  field('status_code', 'text', { nullable: false, sortable: true }),
  field('error_message', 'text'),
  field('user_id', 'text'),
  field('session_id', 'text'),
  field('environment', 'text'),
  field('tags', 'tags', { nullable: false }),
  field('attributes', 'attributes', { nullable: false }),
]);

const BY_NAME: ReadonlyMap<string, FieldDef> = new Map(FIELDS.map((f) => [f.name, f]));

export function lookupField(name: string): FieldDef | undefined {
  return BY_NAME.get(name);
}

export const FIELD_NAMES: readonly string[] = FIELDS.map((f) => f.name);

/** The combined weighted vector (input A, output B, error C). */
export const COMBINED_VECTOR = col('search_tsv');
/** Unique, monotonic tie-breaker for keyset pagination. */
export const ID_COLUMN = col('id');
export const TABLE = 'llm_traces' as Column;
/** Pseudo-field of the `search` operator: the combined vector. */
export const CONTENT_FIELD = 'content';
/**
 * Every string value of `attributes`, one per line (migration 0012): the
 * expression of its trigram index, a prefilter for attribute text matches.
 */
export const ATTRIBUTE_STRINGS = col('tracelens_attribute_strings(attributes)');
/** Side table of every number of `attributes` by key path (migration 0012): a prefilter for attribute ranges. */
export const ATTRIBUTE_NUMBERS = col('llm_trace_attribute_numbers');
/** Prefix of JSON key paths into `attributes`. */
export const ATTRIBUTES_PREFIX = 'attributes.';

/** Leaf operators of the filter DSL, in documentation order. */
export const OPERATORS = [
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in',
  'contains', 'not_contains', 'starts_with', 'ends_with', 'regex', 'search',
] as const;
export type Operator = (typeof OPERATORS)[number];

const EQUALITY: readonly Operator[] = ['eq', 'ne', 'in', 'not_in'];
const ORDERING: readonly Operator[] = ['gt', 'gte', 'lt', 'lte'];
const TEXT_MATCH: readonly Operator[] = ['contains', 'not_contains', 'starts_with', 'ends_with', 'regex'];

/** Operators each field type accepts; anything else is a 400 naming the operator and field. */
export const OPERATORS_BY_TYPE: Readonly<Record<FieldType, readonly Operator[]>> = {
  text: [...EQUALITY, ...TEXT_MATCH, 'search'],
  integer: [...EQUALITY, ...ORDERING],
  decimal: [...EQUALITY, ...ORDERING],
  timestamp: [...EQUALITY, ...ORDERING],
  tags: [...EQUALITY, 'contains', 'not_contains'],
  attributes: [...EQUALITY, ...ORDERING, ...TEXT_MATCH],
};

/** Fields accepted by sort_by (each has an index-friendly keyset). */
export const SORT_FIELDS: readonly FieldDef[] = FIELDS.filter((f) => f.sortable);

/** JSON schema of one span as returned by the API (costs as exact-decimal numbers). */
export function spanJsonSchema(): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const f of FIELDS) props[f.name] = jsonTypeOf(f);
  return { type: 'object', properties: props };
}

function jsonTypeOf(f: FieldDef): Record<string, unknown> {
  const base = (() => {
    switch (f.type) {
      case 'text':
        return { type: 'string' };
      case 'integer':
        return { type: 'integer' };
      case 'decimal':
        return { type: 'number' };
      case 'timestamp':
        return { type: 'string', format: 'date-time' };
      case 'tags':
        return { type: 'array', items: { type: 'string' } };
      case 'attributes':
        return { type: 'object', additionalProperties: true };
    }
  })();
  if (!f.nullable && f.type !== 'attributes') return base;
  if (f.type === 'attributes') return base;
  return { ...base, type: [base.type, 'null'] };
}

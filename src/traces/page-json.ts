// A page's spans as JSON text built by the database, byte for byte the text
// the route's schema serializer (fast-json-stringify over the Span schema)
// writes for the same rows, so the API passes it through instead of parsing
// every column into JS values and serializing them again.
//
// Composable around any page statement: the page SQL (whatever strategy
// built it) becomes a subquery and only its output columns are formatted, so
// the statement's plan is the page's own plan; it keeps its row count (one
// JSON text per row), so the strategies' "was the page full" checks work
// unchanged on the wrapped statement (jsonPageReader).
//
// What the text must match, per field type (the schema serializer's rules):
// - key order is the registry's (FIELDS), whatever order was requested; a
//   field the caller may not see (costs without read:costs) is absent;
// - NULL is `null`;
// - text through to_json (the same escapes as JSON.stringify: \" \\ \b \f
//   \n \r \t and \u00XX for other control characters, the rest raw UTF-8);
// - integers as digits;
// - timestamps as Date.toISOString() of node-postgres' parse: UTC,
//   milliseconds truncated from the stored microseconds;
// - decimals as JS prints the float8 value (String(number)): the shortest
//   round-trip digits, plain notation from 1e-6 to 1e21 and exponent
//   notation without padding outside it (PostgreSQL's float8 text switches
//   below 1e-4 and pads the exponent to two digits);
// - tags as a compact JSON array of strings;
// - attributes (jsonb) leave as jsonb text and are re-serialized in Node:
//   jsonb text has spaces after `:` and `,`, its own key order (integer-like
//   keys do not come first as in a JS object) and numbers in numeric's
//   notation, none of which SQL can reproduce without a function of our own.
import type { FieldDef } from '../query/fields.js';
import { FIELDS } from '../query/fields.js';
import type { Queryable, QueryOptions, QueryResult } from '../storage/driver.js';
import { ROW_ID, SORT_KEY } from './page-sql.js';

/** Columns of a wrapped page row: the span's JSON text, its attributes (jsonb text) and the page's hidden keyset columns. */
export const JSON_COLUMN = '__json';
export const ATTRIBUTES_COLUMN = '__attributes';

export interface JsonPageRow {
  /** The span's JSON up to its attributes (complete, closing brace included, when attributes are not selected). */
  [JSON_COLUMN]: string;
  /** attributes as jsonb text, or null when the field is not selected. */
  [ATTRIBUTES_COLUMN]: string | null;
  [SORT_KEY]: string | number | null;
  [ROW_ID]: number | string;
}

const FIELD_ORDER = new Map(FIELDS.map((f, i) => [f.name, i]));

/** One field's value as JSON text (never NULL), read from the page subquery `p`. */
function valueSql(f: FieldDef): string {
  const c = `p.${f.column}`;
  let expr: string;
  switch (f.type) {
    case 'text':
      expr = `to_json(${c})::text`;
      break;
    case 'integer':
      expr = `${c}::text`;
      break;
    case 'timestamp':
      // to_char's MS truncates, as node-postgres' Date does.
      expr = `'"' || to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'`;
      break;
    case 'decimal': {
      // Through float8 as before (the page query sends decimals as float8), printed as JS prints a number.
      const d = `(${c})::float8`;
      expr =
        `CASE WHEN ${d} = 0 THEN '0'` +
        ` WHEN abs(${d}) >= 1e-6 AND abs(${d}) < 1e21 THEN trim_scale(${d}::text::numeric)::text` +
        ` ELSE regexp_replace(${d}::text, 'e([+-])0*', 'e\\1') END`;
      break;
    }
    case 'tags':
      expr = `array_to_json(${c})::text`;
      break;
    case 'attributes':
      throw new Error('attributes are serialized in Node');
  }
  return f.nullable ? `coalesce(${expr}, 'null')` : expr;
}

/** The wrapper's SELECT list for one field set; the same for every query of that set. */
function buildSelect(fields: readonly FieldDef[]): string {
  const ordered = [...new Map(fields.map((f) => [f.name, f])).values()].sort((a, b) => FIELD_ORDER.get(a.name)! - FIELD_ORDER.get(b.name)!);
  const parts: string[] = [];
  let attributes: FieldDef | null = null;
  let sep = '{';
  for (const f of ordered) {
    if (f.type === 'attributes') {
      attributes = f;
      continue;
    }
    parts.push(`'${sep}"${f.name}":'`, valueSql(f));
    sep = ',';
  }
  // attributes is the registry's last field: its value is appended in Node, then the closing brace.
  if (attributes !== null) parts.push(`'${sep}"${attributes.name}":'`);
  else parts.push(sep === '{' ? `'{}'` : `'}'`);
  const a = attributes === null ? 'NULL::text' : `p.${attributes.column}::text`;
  return `concat(${parts.join(', ')}) AS ${JSON_COLUMN}, ${a} AS ${ATTRIBUTES_COLUMN}, p.${SORT_KEY}, p.${ROW_ID}`;
}

// One SELECT list per field set (at most a handful in practice: the default
// set, with and without costs, and the sets clients ask for).
const selects = new Map<string, string>();
const MAX_CACHED_SELECTS = 256;

export function jsonSelectList(fields: readonly FieldDef[]): string {
  const key = fields.map((f) => f.name).join(',');
  let s = selects.get(key);
  if (s === undefined) {
    s = buildSelect(fields);
    if (selects.size >= MAX_CACHED_SELECTS) selects.clear();
    selects.set(key, s);
  }
  return s;
}

/** The statement around a page statement: the same rows, in the same order, with their JSON text. */
export function wrapPageSql(sql: string, fields: readonly FieldDef[]): string {
  // The page statement first: pg_stat_activity (and the slow-query tools
  // reading it) keep only the first track_activity_query_size bytes of a
  // statement, which must show what it reads, not the long SELECT list. A
  // CTE used once is inlined (PostgreSQL 12+): the plan is the subquery's.
  // A projection over it keeps its order: nothing between the page's
  // ORDER BY ... LIMIT and the output reorders rows.
  return `WITH p AS (${sql}) SELECT ${jsonSelectList(fields)} FROM p`;
}

/**
 * A Queryable that runs each page statement wrapped (wrapPageSql): hand it
 * to the page strategy (queryPage) in place of the database, and its rows
 * are JsonPageRow. The statement whose text is `generic` (the strategy's
 * value-independent one, if any) runs with a generic plan, planned once per
 * connection (QueryOptions.genericPlan).
 */
export function jsonPageReader(db: Queryable, fields: readonly FieldDef[], generic: string | null = null): Queryable {
  return {
    query<R>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<R>> {
      return db.query<R>(wrapPageSql(sql, fields), params, sql === generic ? { ...opts, genericPlan: true } : opts);
    },
  };
}

/** attributes as the schema serializer writes the parsed object: JSON.stringify's spacing, key order and numbers. */
function attributesJson(text: string): string {
  return text === '{}' ? text : JSON.stringify(JSON.parse(text));
}

/** One wrapped row as the span's final JSON text. */
export function spanJson(row: JsonPageRow): string {
  const a = row[ATTRIBUTES_COLUMN];
  return a === null ? row[JSON_COLUMN] : row[JSON_COLUMN] + attributesJson(a) + '}';
}

/** The page's `data` array as JSON text. */
export function spansJson(rows: readonly JsonPageRow[]): string {
  // One join, not a concatenation per row: a flat string, where `+=` builds a
  // rope of a thousand pieces that every later slice or write flattens again.
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = spanJson(rows[i]!);
  return `[${parts.join(',')}]`;
}

// The SQL that encodes one exported row as one line of text, inside the
// database. Both engines run the same expression, so an export is byte for
// byte the same on PostgreSQL and on the embedded engine, and the server
// process only frames lines: no per-field work in JavaScript, which is what
// lets a stream keep up with the database (docs/export.md has the figures).
//
// Identifiers come from the field registry only; the expression has no values.
import type { Column, FieldDef } from '../query/fields.js';

export type LineFormat = 'ndjson' | 'csv';

/** The alias of the encoded line in the export query. */
export const LINE = 'line';

/** Milliseconds and a Z, as the search endpoint writes timestamps. */
const tsText = (c: Column) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A field's JSON value: money stays an exact decimal (trim_scale drops the column's padding zeros). */
function jsonValue(f: FieldDef): string {
  switch (f.type) {
    case 'timestamp':
      return tsText(f.column);
    case 'decimal':
      return `trim_scale(${f.column})`;
    default:
      return f.column;
  }
}

/**
 * One JSON object per row, keys in registry order. row_to_json over a
 * sub-select names the keys and writes compact JSON; json_build_object would
 * pad every key with " : ".
 */
function ndjsonLineSql(fields: readonly FieldDef[]): string {
  return `(SELECT row_to_json(r) FROM (SELECT ${fields.map((f) => `${jsonValue(f)} AS ${f.column}`).join(', ')}) r)::text AS ${LINE}`;
}

/**
 * OWASP's advice against CSV injection: a cell that starts with = + - @ tab or
 * carriage return would be run as a formula by a spreadsheet, so it gets a
 * leading single quote. Numbers are written unquoted and never neutralised
 * (they come from numeric columns, not from users).
 */
const NEUTRALISE = `IN ('=', '+', '-', '@', chr(9), chr(13))`;

/** RFC 4180 text cell: always quoted, quotes doubled; NULL is an empty unquoted cell, '' is "". */
function csvText(expr: string): string {
  return `'"' || CASE WHEN left(${expr}, 1) ${NEUTRALISE} THEN '''' ELSE '' END || replace(${expr}, '"', '""') || '"'`;
}

function csvCell(f: FieldDef): string {
  switch (f.type) {
    case 'integer':
      return `${f.column}::text`;
    case 'decimal':
      return `trim_scale(${f.column})::text`;
    case 'timestamp':
      return tsText(f.column);
    case 'tags':
      return csvText(`array_to_json(${f.column})::text`);
    case 'attributes':
      return csvText(`${f.column}::text`);
    case 'text':
      return csvText(f.column);
  }
}

/** One CSV record per row (without its line break); concat() writes a NULL cell as empty. */
function csvLineSql(fields: readonly FieldDef[]): string {
  return `concat(${fields.map(csvCell).join(`, ',', `)}) AS ${LINE}`;
}

/** The header record: the public field names (registry names, nothing to quote). */
export function csvHeader(fields: readonly FieldDef[]): string {
  return fields.map((f) => f.name).join(',');
}

export function lineSql(format: LineFormat, fields: readonly FieldDef[]): string {
  return format === 'csv' ? csvLineSql(fields) : ndjsonLineSql(fields);
}

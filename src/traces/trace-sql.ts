// Reads of whole traces. Every query takes the caller's project scope; a null
// scope (admin) is the only way to read across all projects.
import { FIELDS, type FieldDef } from '../query/fields.js';
import type { Queryable } from '../storage/driver.js';

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

// Writes spans with one INSERT ... SELECT FROM unnest(...) per batch: one
// statement (so one implicit transaction), 25 parameters whatever the batch
// size, and ON CONFLICT DO NOTHING on the identity index so a re-sent span is
// stored once. The identity includes ts, the partition key (a unique index of
// a partitioned table must): a re-sent span carries the same start time
// (docs/ingest.md, "Span identity"). Works the same on PostgreSQL and on the
// embedded engine.
import type { FieldDef, FieldType } from '../query/fields.js';
import type { Queryable } from './driver.js';
import { WRITE_FIELDS, type SpanRecord } from './span-record.js';

// Per-row arrays (tags) cannot be unnested from a text[][]: PostgreSQL arrays
// are rectangular. Each row's tags travel as a jsonb array instead.
const ARRAY_TYPE: Record<FieldType, string> = {
  timestamp: 'timestamptz[]',
  text: 'text[]',
  integer: 'int4[]',
  decimal: 'numeric[]',
  tags: 'jsonb[]',
  attributes: 'jsonb[]',
};

function selectExpr(f: FieldDef): string {
  return f.type === 'tags' ? `ARRAY(SELECT jsonb_array_elements_text(u.${f.column}))` : `u.${f.column}`;
}

const INSERT_SQL =
  `INSERT INTO llm_traces (${WRITE_FIELDS.map((f) => f.column).join(', ')}) ` +
  `SELECT ${WRITE_FIELDS.map(selectExpr).join(', ')} ` +
  `FROM unnest(${WRITE_FIELDS.map((f, i) => `$${i + 1}::${ARRAY_TYPE[f.type]}`).join(', ')}) ` +
  `AS u(${WRITE_FIELDS.map((f) => f.column).join(', ')}) ` +
  `ON CONFLICT (project_id, trace_id, span_id, ts) DO NOTHING`;

/** Column-wise parameter arrays for INSERT_SQL. */
function columnParams(rows: readonly SpanRecord[]): unknown[][] {
  return WRITE_FIELDS.map((f) => {
    const name = f.name as keyof SpanRecord;
    if (f.type === 'tags' || f.type === 'attributes') return rows.map((r) => JSON.stringify(r[name]));
    return rows.map((r) => r[name]);
  });
}

/**
 * Inserts the rows; returns how many were new (the rest already existed, or
 * repeated an earlier row of the same call).
 */
export async function insertSpanRecords(db: Queryable, rows: readonly SpanRecord[]): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await db.query(INSERT_SQL, columnParams(rows), { kind: 'ingest' });
  return res.rowCount;
}

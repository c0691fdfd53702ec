// One span as it is written to llm_traces: validated, project resolved, costs
// as exact decimal strings. Both the ingest endpoint and the seeder produce it.
import { FIELDS, type FieldDef } from '../query/fields.js';

export type StatusCode = 'OK' | 'SUCCESS' | 'ERROR' | 'UNSET';
export const STATUS_CODES: readonly StatusCode[] = ['OK', 'SUCCESS', 'ERROR', 'UNSET'];

export interface SpanRecord {
  /** RFC 3339 timestamp with an offset; PostgreSQL parses it. */
  ts: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  project_id: string;
  span_name: string;
  provider: string | null;
  model: string | null;
  input_text: string | null;
  output_text: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  /** Plain decimal text, e.g. "0.0000025". */
  prompt_cost_usd: string | null;
  completion_cost_usd: string | null;
  total_cost_usd: string | null;
  duration_ms: number;
  ttft_ms: number | null;
  status_code: StatusCode;
  error_message: string | null;
  user_id: string | null;
  session_id: string | null;
  environment: string | null;
  tags: string[];
  attributes: Record<string, unknown>;
}

/**
 * The written columns, in order: every public field of the registry (the
 * registry is the only source of identifiers). id, ingested_at and the
 * tsvector columns are filled by PostgreSQL.
 */
export const WRITE_FIELDS: readonly FieldDef[] = FIELDS;

/** Identity of a span inside one project; the unique index's key. */
export function spanKey(r: Pick<SpanRecord, 'project_id' | 'trace_id' | 'span_id'>): string {
  // \u0000 cannot occur in validated text, so the key is unambiguous.
  return `${r.project_id}\u0000${r.trace_id}\u0000${r.span_id}`;
}

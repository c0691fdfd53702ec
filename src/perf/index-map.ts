// The index map: for every (field, operator) pair of the filter DSL, the index
// that serves a rare or absent value of it, or why none does and what bounds
// the worst case. The shape generator attaches it to each generated shape, the
// doctor checks rare and absent shapes' plans against it, and
// docs/performance.md prints it (`npx tsx benches/index-map.ts`).
import { CONTENT_FIELD, type FieldDef, type Operator } from '../query/fields.js';

export interface IndexPath {
  /** Index name (or pattern) a rare or absent value's plan reads; null: none. */
  readonly index: string | RegExp | null;
  readonly note: string;
}

const NEGATED: ReadonlySet<Operator> = new Set(['ne', 'not_in', 'not_contains']);
const TEXT_MATCH: ReadonlySet<Operator> = new Set(['contains', 'starts_with', 'ends_with', 'regex']);
const ORDERING: ReadonlySet<Operator> = new Set(['gt', 'gte', 'lt', 'lte']);

const FREE_TEXT = new Set(['input_text', 'output_text', 'error_message']);
const SHORT_TEXT_TRGM = new Set(['user_id', 'session_id', 'span_name', 'provider', 'model', 'environment', 'project_id', 'status_code']);
const IDS = new Set(['trace_id', 'span_id', 'parent_span_id']);

/** Equality btrees by column (0001, 0002, 0007). */
const EQUALITY_INDEX: Readonly<Record<string, string>> = {
  ts: 'llm_traces_ts_idx',
  trace_id: 'llm_traces_trace_id_idx',
  span_id: 'llm_traces_span_id_idx',
  parent_span_id: 'llm_traces_parent_span_id_idx',
  project_id: 'llm_traces_project_ts_idx',
  span_name: 'llm_traces_span_name_ts_idx',
  provider: 'llm_traces_provider_model_idx',
  model: 'llm_traces_model_ts_idx',
  input_text: 'llm_traces_input_text_hash_idx',
  output_text: 'llm_traces_output_text_hash_idx',
  error_message: 'llm_traces_error_message_hash_idx',
  user_id: 'llm_traces_user_ts_idx',
  session_id: 'llm_traces_session_ts_idx',
  environment: 'llm_traces_environment_ts_idx',
  status_code: 'llm_traces_status_idx',
  prompt_tokens: 'llm_traces_prompt_tokens_idx',
  completion_tokens: 'llm_traces_completion_tokens_idx',
  total_tokens: 'llm_traces_total_tokens_idx',
  prompt_cost_usd: 'llm_traces_prompt_cost_idx',
  completion_cost_usd: 'llm_traces_completion_cost_idx',
  total_cost_usd: 'llm_traces_total_cost_idx',
  duration_ms: 'llm_traces_duration_idx',
  ttft_ms: 'llm_traces_ttft_idx',
};

/**
 * Equalities whose btree ends in the page order (ts DESC, id DESC): the
 * matches of one value come out of the index newest first, so a page reads
 * exactly its own rows whatever the value's frequency, and no estimate can
 * make the plain ordered statement slow. `value` restricts the pair to one
 * value (the partial index of failures).
 */
export const PAGE_ORDER_EQUALITY: Readonly<Record<string, { index: string; value?: string }>> = {
  project_id: { index: 'llm_traces_project_ts_idx' },
  user_id: { index: 'llm_traces_user_ts_idx' },
  session_id: { index: 'llm_traces_session_ts_idx' },
  model: { index: 'llm_traces_model_ts_idx' },
  environment: { index: 'llm_traces_environment_ts_idx' },
  span_name: { index: 'llm_traces_span_name_ts_idx' },
  status_code: { index: 'llm_traces_errors_ts_idx', value: 'ERROR' },
};

const NEGATION_NOTE =
  'negation: true for every row but the excluded ones, so a page fills from the newest end of the time index; ' +
  'a negation that almost no row satisfies reads the time index to the end (bounded by one pass over the table, as a count would be)';

/** The index path of a pair. `field` is a registry field, `attributes.<path>` or the content pseudo-field. */
export function indexPath(field: FieldDef | 'attribute' | typeof CONTENT_FIELD, op: Operator): IndexPath {
  if (NEGATED.has(op)) return { index: null, note: NEGATION_NOTE };
  if (field === CONTENT_FIELD) return { index: 'llm_traces_search_tsv_idx', note: 'GIN on the combined tsvector' };
  if (field === 'attribute') {
    if (op === 'eq' || op === 'in') return { index: 'llm_traces_attributes_idx', note: 'GIN jsonb_path_ops; the compiler adds attributes @> {path: value}' };
    if (TEXT_MATCH.has(op)) {
      return {
        index: 'llm_traces_attribute_strings_trgm_idx',
        note:
          'trigram GIN on every string value of the document (tracelens_attribute_strings); the compiler adds ' +
          'its ILIKE on the value (a regex: its required literal) as a prefilter the exact predicate implies',
      };
    }
    return {
      index: 'llm_trace_attribute_numbers_path_value_idx',
      note:
        'side table of every number by key path, filled at ingest by trigger; the compiler adds ' +
        'EXISTS (path, value range, this span) as a prefilter the exact comparison implies',
    };
  }
  const name = field.name;
  if (op === 'search') {
    return field.vector ? { index: `llm_traces_${field.vector}_idx`, note: 'GIN on the column tsvector' } : { index: 'llm_traces_search_tsv_idx', note: 'the combined tsvector' };
  }
  if (field.type === 'tags') return { index: 'llm_traces_tags_idx', note: 'GIN on the array (@> and &&)' };
  if (TEXT_MATCH.has(op)) {
    if (FREE_TEXT.has(name)) return { index: `llm_traces_${name}_trgm_idx`, note: 'trigram GIN on column COLLATE "C"' };
    if (SHORT_TEXT_TRGM.has(name)) return { index: 'llm_traces_short_text_trgm_idx', note: 'one multi-column trigram GIN over the short text columns' };
    if (IDS.has(name)) {
      // A prefix can also be a range of the id's own btree where the collation allows (C) and digits lead.
      if (op === 'starts_with' || op === 'regex') {
        return { index: new RegExp(`llm_traces_(ids_trgm|${name})_idx`), note: 'one multi-column trigram GIN over the three id columns, or a prefix range of the id btree' };
      }
      return { index: 'llm_traces_ids_trgm_idx', note: 'one multi-column trigram GIN over the three id columns' };
    }
  }
  if (ORDERING.has(op) && field.type === 'timestamp') return { index: 'llm_traces_ts_idx', note: 'the time index itself' };
  const eq = EQUALITY_INDEX[name];
  if (eq !== undefined) {
    if (name === 'status_code') return { index: /llm_traces_(status|errors_ts)_idx/, note: 'a closed set of four values; ERROR also has its partial time index' };
    if (eq.includes('_hash_')) return { index: eq, note: 'hash: equality on text of any length (a btree entry must fit a third of a page)' };
    return { index: eq, note: ORDERING.has(op) ? 'btree range scan, then a sort of the matches' : 'btree equality (a rare value: its entries, then a sort)' };
  }
  return { index: null, note: 'no index' };
}

// An index path for every (field, operator) pair the filter DSL accepts
// (docs/performance.md, "The index map"), so a rare or absent value is found
// by an index lookup instead of a walk through the time index.
//
// Plain CREATE INDEX only: every statement here also works on a partitioned
// parent (no CONCURRENTLY, no unique constraints without the partition key).
//
// - Equality and ranges on every number column: a plain btree. A rare
//   threshold (`total_cost_usd gte 1000`) reads its few entries; the page is
//   then sorted by time (a few hundred rows at most, or the probe in
//   src/traces/page-plan.ts walks the time index instead).
// - Equality on the remaining short text columns: btree, ending in the page
//   order where the column is low-cardinality (span_name).
// - Equality on the long free-text columns: a hash index. A btree cannot hold
//   an entry larger than a third of a page, and a prompt can be longer.
// - contains / starts_with / ends_with / regex on every text column but the
//   ids: trigram GIN on `column COLLATE "C"` (the compiler's expression), as
//   0002 did for the free-text columns. Not on the three hex id columns: some
//   70 trigrams per span took ingest below 80 % of its rate without them.
// - Conjunctions of equalities on the low-cardinality columns: a btree_gin
//   multi-column GIN that intersects them without reading rows.
// - Attribute equality: GIN jsonb_path_ops; the compiler adds
//   `attributes @> {"path": value}` next to the exact comparison.
export default /* sql */ `
SET LOCAL statement_timeout = 0;
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX llm_traces_span_name_ts_idx ON llm_traces (span_name, ts DESC, id DESC);
CREATE INDEX llm_traces_span_id_idx ON llm_traces (span_id);
-- Status is a closed set, but the planner does not read the CHECK constraint: an unknown value would scan the table.
CREATE INDEX llm_traces_status_idx ON llm_traces (status_code);
CREATE INDEX llm_traces_parent_span_id_idx ON llm_traces (parent_span_id) WHERE parent_span_id IS NOT NULL;
CREATE INDEX llm_traces_prompt_tokens_idx ON llm_traces (prompt_tokens);
CREATE INDEX llm_traces_completion_tokens_idx ON llm_traces (completion_tokens);
CREATE INDEX llm_traces_total_tokens_idx ON llm_traces (total_tokens);
CREATE INDEX llm_traces_ttft_idx ON llm_traces (ttft_ms);
CREATE INDEX llm_traces_prompt_cost_idx ON llm_traces (prompt_cost_usd);
CREATE INDEX llm_traces_completion_cost_idx ON llm_traces (completion_cost_usd);
CREATE INDEX llm_traces_total_cost_idx ON llm_traces (total_cost_usd);
CREATE INDEX llm_traces_input_text_hash_idx ON llm_traces USING hash (input_text);
CREATE INDEX llm_traces_output_text_hash_idx ON llm_traces USING hash (output_text);
CREATE INDEX llm_traces_error_message_hash_idx ON llm_traces USING hash (error_message) WHERE error_message IS NOT NULL;
CREATE INDEX llm_traces_short_text_trgm_idx ON llm_traces USING gin (
  user_id COLLATE "C" gin_trgm_ops, session_id COLLATE "C" gin_trgm_ops,
  span_name COLLATE "C" gin_trgm_ops, provider COLLATE "C" gin_trgm_ops, model COLLATE "C" gin_trgm_ops,
  environment COLLATE "C" gin_trgm_ops, project_id COLLATE "C" gin_trgm_ops, status_code COLLATE "C" gin_trgm_ops);
CREATE INDEX llm_traces_attributes_idx ON llm_traces USING gin (attributes jsonb_path_ops);
-- Two equalities on the low-cardinality columns, each common but never true
-- together (a tool span with a provider): one multi-column GIN (btree_gin)
-- intersects their posting lists inside the index and reads no row at all,
-- where a btree on either column reads every row of its value.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX llm_traces_kind_gin_idx ON llm_traces USING gin (span_name, provider, model, status_code, environment);
ALTER TABLE llm_traces ALTER COLUMN span_name SET STATISTICS 1000;
-- Combinations of the low-cardinality columns: two values each common but
-- never together (a tool span with a provider) are estimated as empty, not
-- as the product of their frequencies.
CREATE STATISTICS llm_traces_kind_stx (mcv) ON span_name, provider, status_code, environment FROM llm_traces;
ANALYZE llm_traces;
`;

// Indexes and planner statistics for the selective query shapes: without
// them a rare or absent value makes the planner walk the time index and
// filter row by row through the whole table (docs/performance.md has the
// EXPLAIN figures behind each one).
//
// Every btree ends in (ts DESC, id DESC), the page order, so an equality on
// its leading column reads exactly one page of index entries in order and
// stops. Text-match indexes are trigram GIN on `column COLLATE "C"`: the
// compiler emits `column COLLATE "C" ILIKE ...` (and `~`), and PostgreSQL only
// uses an index whose collation is the expression's.
export default /* sql */ `
-- Index builds on a large table take minutes, far past a query's timeout.
SET LOCAL statement_timeout = 0;
SET LOCAL maintenance_work_mem = '256MB';

-- Equality on the high-cardinality columns: a user's or a session's spans.
CREATE INDEX llm_traces_user_ts_idx ON llm_traces (user_id, ts DESC, id DESC);
CREATE INDEX llm_traces_session_ts_idx ON llm_traces (session_id, ts DESC, id DESC);
-- Model alone (no provider) and provider with or without model, across projects
-- (the older llm_traces_provider_model_ts_idx needs a project id first).
CREATE INDEX llm_traces_model_ts_idx ON llm_traces (model, ts DESC, id DESC);
CREATE INDEX llm_traces_provider_model_idx ON llm_traces (provider, model, ts DESC, id DESC);
CREATE INDEX llm_traces_environment_ts_idx ON llm_traces (environment, ts DESC, id DESC);
-- Failures are about 2 % of spans and the most looked-at ones.
CREATE INDEX llm_traces_errors_ts_idx ON llm_traces (ts DESC, id DESC) WHERE status_code = 'ERROR';
-- Range predicates on latency: a rare threshold (slow calls) or an empty range.
CREATE INDEX llm_traces_duration_idx ON llm_traces (duration_ms);
-- contains / starts_with / ends_with / regex on the free-text columns.
CREATE INDEX llm_traces_input_text_trgm_idx ON llm_traces USING gin (input_text COLLATE "C" gin_trgm_ops);
CREATE INDEX llm_traces_output_text_trgm_idx ON llm_traces USING gin (output_text COLLATE "C" gin_trgm_ops);
CREATE INDEX llm_traces_error_message_trgm_idx ON llm_traces USING gin (error_message COLLATE "C" gin_trgm_ops);
-- tags contains / in (@> and &&).
CREATE INDEX llm_traces_tags_idx ON llm_traces USING gin (tags);

-- Provider and model are strongly correlated (a model has one provider): with
-- per-column statistics alone the planner multiplies their frequencies and
-- expects "anthropic AND gpt-4o" to match 10 % of the table, then walks the
-- time index through all of it. The MCV list of the pair knows it is empty.
CREATE STATISTICS llm_traces_provider_model_stx (dependencies, mcv) ON provider, model FROM llm_traces;
-- Long-tail columns: a bigger sample and MCV list makes rare values look rare.
ALTER TABLE llm_traces ALTER COLUMN user_id SET STATISTICS 1000;
ALTER TABLE llm_traces ALTER COLUMN session_id SET STATISTICS 1000;
ALTER TABLE llm_traces ALTER COLUMN search_tsv SET STATISTICS 1000;
-- A finer latency histogram: with the default 100 buckets "duration >= 100 s"
-- (0.13 % of spans) was estimated at 0.35 %, enough for the planner to prefer
-- walking the time index through 40 000 rows over the duration index.
ALTER TABLE llm_traces ALTER COLUMN duration_ms SET STATISTICS 1000;
ANALYZE llm_traces;
`;

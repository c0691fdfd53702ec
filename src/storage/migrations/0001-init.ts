// The llm_traces table of the contract, its full-text vectors and the base indexes.
export default /* sql */ `
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE llm_traces (
  -- Surrogate key: the unique tie-breaker of keyset pagination.
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts                  timestamptz NOT NULL,
  trace_id            text NOT NULL,
  span_id             text NOT NULL,
  parent_span_id      text,
  project_id          text NOT NULL,
  span_name           text NOT NULL,
  provider            text,
  model               text,
  input_text          text,
  output_text         text,
  prompt_tokens       integer,
  completion_tokens   integer,
  total_tokens        integer,
  prompt_cost_usd     numeric(20, 10),
  completion_cost_usd numeric(20, 10),
  total_cost_usd      numeric(20, 10),
  duration_ms         integer NOT NULL DEFAULT 0,
  ttft_ms             integer,
  status_code         text NOT NULL DEFAULT 'UNSET',
  error_message       text,
  user_id             text,
  session_id          text,
  environment         text,
  tags                text[] NOT NULL DEFAULT '{}',
  attributes          jsonb NOT NULL DEFAULT '{}',
  ingested_at         timestamptz NOT NULL DEFAULT now(),
  -- Full-text vectors kept in step with the text by PostgreSQL itself.
  input_tsv   tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, coalesce(input_text, ''))) STORED,
  output_tsv  tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, coalesce(output_text, ''))) STORED,
  search_tsv  tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce(input_text, '')), 'A') ||
    setweight(to_tsvector('english'::regconfig, coalesce(output_text, '')), 'B') ||
    setweight(to_tsvector('english'::regconfig, coalesce(error_message, '')), 'C')
  ) STORED,
  CONSTRAINT llm_traces_status_check CHECK (status_code IN ('OK', 'SUCCESS', 'ERROR', 'UNSET')),
  CONSTRAINT llm_traces_nonneg_check CHECK (duration_ms >= 0 AND (ttft_ms IS NULL OR ttft_ms >= 0))
);

-- Identity of a span. Scoped by project so one tenant can never shadow (or
-- probe for) another tenant's span by reusing its ids.
CREATE UNIQUE INDEX llm_traces_identity_uq ON llm_traces (project_id, trace_id, span_id);
-- The time axis of every query, per tenant, with the tie-breaker for keyset pages.
CREATE INDEX llm_traces_project_ts_idx ON llm_traces (project_id, ts DESC, id DESC);
CREATE INDEX llm_traces_ts_idx ON llm_traces (ts DESC, id DESC);
CREATE INDEX llm_traces_provider_model_ts_idx ON llm_traces (project_id, provider, model, ts DESC);
-- Trace lookups by id (GET /api/v1/traces/{trace_id}) across a caller's projects.
CREATE INDEX llm_traces_trace_id_idx ON llm_traces (trace_id);
-- Full-text search: one GIN index per vector.
CREATE INDEX llm_traces_search_tsv_idx ON llm_traces USING gin (search_tsv);
CREATE INDEX llm_traces_input_tsv_idx ON llm_traces USING gin (input_tsv);
CREATE INDEX llm_traces_output_tsv_idx ON llm_traces USING gin (output_tsv);
`;

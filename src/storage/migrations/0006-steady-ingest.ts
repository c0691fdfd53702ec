// Steady latency under continuous ingest (docs/performance.md, "Ingest and
// search together"). With GIN's default fast update, every new row's keys are
// appended to a per-index pending list that each search through that index
// scans linearly and that is merged only by (auto)vacuum or, once it passes
// gin_pending_list_limit (4 MB), synchronously by whichever insert overflows
// it. Under sustained ingest the lists sit at or above the limit, so every
// full-text, tag and substring search pays for the whole list and some ingest
// batches for a merge of it: throughput fell to a sixth within a minute.
//
// Rule (checked by `tracelens doctor` and by the schema tests): every GIN index
// on llm_traces has fastupdate = off, so a new row's keys go straight into the
// index, no search scans a pending list, and nothing depends on (auto)vacuum
// running, which the embedded engine does not have at all. The loop covers
// every GIN index on the table at this point, whichever migration made it;
// a later migration that adds one must say WITH (fastupdate = off).
export default /* sql */ `
SET LOCAL statement_timeout = 0;

-- 98 % of spans have no error message, yet each one put a NULL entry into this
-- index (and its pending list). Only rows with a message are indexed now:
-- every operator that uses it (ILIKE, ~) is strict, so PostgreSQL proves the
-- predicate and still plans substring and regex filters through it.
DROP INDEX IF EXISTS llm_traces_error_message_trgm_idx;
CREATE INDEX llm_traces_error_message_trgm_idx ON llm_traces USING gin (error_message COLLATE "C" gin_trgm_ops) WITH (fastupdate = off) WHERE error_message IS NOT NULL;

DO $steady$
DECLARE
  idx regclass;
BEGIN
  FOR idx IN
    SELECT i.indexrelid::regclass
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
     WHERE i.indrelid = 'llm_traces'::regclass AND a.amname = 'gin'
  LOOP
    EXECUTE format('ALTER INDEX %s SET (fastupdate = off)', idx);
    -- Turning fast update off does not merge what is already pending.
    PERFORM gin_clean_pending_list(idx);
  END LOOP;
END
$steady$;
`;

// Steady latency under continuous ingest (docs/performance.md, "Ingest and
// search together"). 98 % of spans have no error message, yet each one put a
// NULL entry into the error-message trigram index (and, under ingest, into its
// GIN pending list, which every substring search through it scans): a quarter
// of all pending entries. Only rows with a message are indexed now. Every
// operator that uses this index (ILIKE, ~) is strict, so PostgreSQL proves the
// predicate from the compiler's SQL and still plans through it.
//
// GIN fast update stays on (the default) on purpose: with it off, every insert
// writes its keys into the same hot posting-tree pages and concurrent ingest
// collapsed. The pending lists it keeps are merged every second by the
// service itself (src/storage/gin-merger.ts), not left to autovacuum.
export default /* sql */ `
SET LOCAL statement_timeout = 0;
DROP INDEX IF EXISTS llm_traces_error_message_trgm_idx;
CREATE INDEX llm_traces_error_message_trgm_idx ON llm_traces USING gin (error_message COLLATE "C" gin_trgm_ops) WHERE error_message IS NOT NULL;
`;

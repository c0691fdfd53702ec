// Index paths for the last (field, operator) pairs of the filter DSL that had
// none (docs/performance.md, "Ids and attributes: the last unindexed pairs"):
//
// - contains / starts_with / ends_with / regex on the three id columns
//   (trace_id, span_id, parent_span_id): one multi-column trigram GIN on
//   `column COLLATE "C"`, the compiler's expression, like the short-text
//   one of 0007. One GIN insertion (and one pending-list entry) per span
//   instead of three.
// - contains / starts_with / ends_with / regex on `attributes.<key>` (any key):
//   a trigram GIN on tracelens_attribute_strings(attributes), every string
//   value of the document, unescaped, one per line. The compiler ANDs
//   `tracelens_attribute_strings(attributes) COLLATE "C" ILIKE '%<v>%'` in
//   front of the exact predicate: a string at the key path that matches is
//   one of those lines, so the prefilter holds whenever the exact predicate
//   does (JSON escaping never enters: the values are the #>> '{}' text the
//   exact predicate reads).
// - gt / gte / lt / lte on `attributes.<key>` (any key): a side table of every
//   number in the document reachable through object keys, (key path, value,
//   span ts, span id), filled by statement triggers in the inserting
//   transaction; the compiler ANDs an EXISTS on it (its (path, value) btree
//   finds a rare value's spans) in front of the exact comparison. Stale rows
//   (of deleted spans, or of values an update replaced) only ever widen the
//   prefilter, never narrow it; retention deletes the rows of dropped weeks
//   (src/storage/partitions.ts).
//
// Plain CREATE INDEX: valid on the partitioned parent, every partition gets
// the indexes (and the ones created later by tracelens_create_partition).
export default /* sql */ `
SET LOCAL statement_timeout = 0;
SET LOCAL maintenance_work_mem = '256MB';

CREATE INDEX llm_traces_ids_trgm_idx ON llm_traces USING gin (
  trace_id COLLATE "C" gin_trgm_ops, span_id COLLATE "C" gin_trgm_ops, parent_span_id COLLATE "C" gin_trgm_ops);

-- Every string value of a JSON document, at any depth (arrays too: a superset
-- is harmless), as the text the exact predicate compares, one per line; ''
-- for none, so the prefilter is never unknown.
CREATE FUNCTION tracelens_attribute_strings(a jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN coalesce((SELECT string_agg(v #>> '{}', E'\\n') FROM jsonb_path_query(a, 'strict $.** ? (@.type() == "string")') AS v), '');

CREATE INDEX llm_traces_attribute_strings_trgm_idx ON llm_traces USING gin (tracelens_attribute_strings(attributes) COLLATE "C" gin_trgm_ops);

-- Every number of a JSON document reachable through object keys alone (what
-- attributes -> k1 -> ... -> kn can reach), with its key path.
CREATE FUNCTION tracelens_attribute_numbers(a jsonb) RETURNS TABLE (attr_path text[], attr_value numeric)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  WITH RECURSIVE walk(p, v) AS (
    SELECT ARRAY[e.key], e.value FROM jsonb_each(CASE WHEN jsonb_typeof(a) = 'object' THEN a END) AS e
    UNION ALL
    SELECT w.p || e.key, e.value FROM walk w CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(w.v) = 'object' THEN w.v END) AS e
  )
  SELECT p, v::numeric FROM walk WHERE jsonb_typeof(v) = 'number'
$fn$;

CREATE TABLE llm_trace_attribute_numbers (
  attr_path text[] NOT NULL,
  attr_value numeric NOT NULL,
  span_ts timestamptz NOT NULL,
  span_pk bigint NOT NULL
);
COMMENT ON TABLE llm_trace_attribute_numbers IS 'Numbers of llm_traces.attributes by key path: a prefilter for attribute ranges (migration 0012); may hold stale rows, never lacks one';
INSERT INTO llm_trace_attribute_numbers (attr_path, attr_value, span_ts, span_pk)
  SELECT n.attr_path, n.attr_value, t.ts, t.id FROM llm_traces t CROSS JOIN LATERAL tracelens_attribute_numbers(t.attributes) n;
-- A range on one key: its entries, with the span's identity (index-only).
CREATE INDEX llm_trace_attribute_numbers_path_value_idx ON llm_trace_attribute_numbers (attr_path, attr_value) INCLUDE (span_ts, span_pk);
-- One span's numbers (the prefilter tested row by row), and retention by time.
CREATE INDEX llm_trace_attribute_numbers_span_idx ON llm_trace_attribute_numbers (span_ts, span_pk);

CREATE FUNCTION tracelens_attribute_numbers_on_insert() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO llm_trace_attribute_numbers (attr_path, attr_value, span_ts, span_pk)
    SELECT n.attr_path, n.attr_value, r.ts, r.id FROM new_rows r CROSS JOIN LATERAL tracelens_attribute_numbers(r.attributes) n;
  RETURN NULL;
END
$fn$;
-- Rows whose attributes or time changed get their numbers again; the old
-- entries stay (stale entries only widen the prefilter).
CREATE FUNCTION tracelens_attribute_numbers_on_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO llm_trace_attribute_numbers (attr_path, attr_value, span_ts, span_pk)
    SELECT n.attr_path, n.attr_value, r.ts, r.id FROM new_rows r CROSS JOIN LATERAL tracelens_attribute_numbers(r.attributes) n
     WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = r.id AND o.ts = r.ts AND o.attributes = r.attributes);
  RETURN NULL;
END
$fn$;
CREATE FUNCTION tracelens_attribute_numbers_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  TRUNCATE llm_trace_attribute_numbers;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER llm_traces_attribute_numbers_insert AFTER INSERT ON llm_traces
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracelens_attribute_numbers_on_insert();
CREATE TRIGGER llm_traces_attribute_numbers_update AFTER UPDATE ON llm_traces
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracelens_attribute_numbers_on_update();
CREATE TRIGGER llm_traces_attribute_numbers_truncate AFTER TRUNCATE ON llm_traces
  FOR EACH STATEMENT EXECUTE FUNCTION tracelens_attribute_numbers_on_truncate();

ANALYZE llm_traces;
ANALYZE llm_trace_attribute_numbers;
`;

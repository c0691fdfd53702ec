// llm_traces becomes a table range-partitioned on ts: one partition per UTC
// day, a DEFAULT partition for spans outside every day partition, and
// retention by dropping whole days (docs/operations.md, "Partitions and
// retention"; docs/scaling.md has the numbers behind daily partitions).
//
// Upgrade of a populated table without a long lock: the old table is kept, as
// it is, as one partition covering everything before a cutoff a few days
// ahead. The two slow steps run before the migration's transaction, online
// (prepare): a CHECK (ts < cutoff) validated under SHARE UPDATE EXCLUSIVE
// (reads and writes go on) lets ATTACH PARTITION skip its scan, and the new
// identity index (it must include ts) is built CONCURRENTLY. The transaction
// itself then only changes the catalog: rename, create the parent, attach,
// re-create each index on the parent (PostgreSQL attaches the old table's
// equal index instead of building one). When prepare did not run (a script
// applied by hand), the transaction does both steps itself under its lock.
//
// Every index, trigger, extended statistic and per-column statistics target
// that exists on llm_traces when this runs is carried over from the catalog,
// not from a list, so indexes added by earlier migrations come along. Unique
// indexes without ts cannot exist on a partitioned table: the old span
// identity (project_id, trace_id, span_id) and the id primary key give way to
// (project_id, trace_id, span_id, ts) (a re-sent span carries the same start
// time; docs/ingest.md). ids stay unique: one sequence still numbers them.
//
// This file is self-contained on purpose (a shipped migration never changes).

/**
 * Adds the cutoff constraint, NOT VALID, unless a fresh one is there: the
 * cutoff is the start of the UTC day three days ahead, or past the newest
 * stored span when one is further ahead (a client clock years off: the old
 * table then covers up to it; docs/operations.md). A constraint left by an
 * earlier attempt whose cutoff is less than two days ahead is replaced, so a
 * retried upgrade never makes live ingest hit it.
 */
const ADD_CUTOFF = `
  IF (SELECT substring(pg_get_constraintdef(oid) FROM '''([^'']+)''')::timestamptz FROM pg_constraint
       WHERE conrelid = 'llm_traces'::regclass AND conname = 'llm_traces_legacy_range') < now() + interval '48 hours' THEN
    ALTER TABLE llm_traces DROP CONSTRAINT llm_traces_legacy_range;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'llm_traces'::regclass AND conname = 'llm_traces_legacy_range') THEN
    EXECUTE format('ALTER TABLE llm_traces ADD CONSTRAINT llm_traces_legacy_range CHECK (ts < %L::timestamptz) NOT VALID',
      greatest(date_trunc('day', now(), 'UTC') + interval '72 hours',
               date_trunc('day', (SELECT max(ts) FROM llm_traces), 'UTC') + interval '24 hours'));
  END IF;`;

/** Runs before the transaction, each statement on its own (CONCURRENTLY refuses a transaction). */
export const prepare: readonly string[] = [
  // Brief ACCESS EXCLUSIVE: a NOT VALID constraint only checks new rows.
  // The cutoff is at least three UTC days ahead so live ingest keeps landing
  // below it until the migration commits (after it, the parent routes newer spans).
  `DO $p$
BEGIN
  IF to_regclass('llm_traces') IS NULL OR (SELECT relkind FROM pg_class WHERE oid = 'llm_traces'::regclass) <> 'r' THEN RETURN; END IF;
  ${ADD_CUTOFF}
END $p$`,
  // The scan, under SHARE UPDATE EXCLUSIVE: ingest and reads go on.
  `DO $p$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass('llm_traces') AND conname = 'llm_traces_legacy_range' AND NOT convalidated) THEN
    ALTER TABLE llm_traces VALIDATE CONSTRAINT llm_traces_legacy_range;
  END IF;
END $p$`,
  `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS llm_traces_span_uq ON llm_traces (project_id, trace_id, span_id, ts)`,
];

export default /* sql */ `
SET LOCAL statement_timeout = 0;

-- The partition of one UTC day, [lo, hi). A range that spans of the default
-- partition fall in gets them moved into the new partition first (a move
-- between partitions: no statement on llm_traces itself, so the rollup
-- triggers do not count them again). Per-partition planner settings of the
-- parent (statistics targets, extended statistics) are copied, since the
-- planner estimates each partition from its own statistics.
-- Returns false when a wider partition (an upgraded table) already covers it.
CREATE FUNCTION tracelens_create_partition(part text, lo timestamptz, hi timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
  cols text;
  r record;
BEGIN
  BEGIN
    EXECUTE format('CREATE TABLE %I PARTITION OF llm_traces FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  EXCEPTION
    WHEN invalid_object_definition THEN
      RETURN false;
    WHEN check_violation THEN
      SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_attribute
       WHERE attrelid = 'llm_traces'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
      EXECUTE format('CREATE TABLE %I (LIKE llm_traces INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)', part);
      EXECUTE format('WITH moved AS (DELETE FROM llm_traces_default WHERE ts >= %L AND ts < %L RETURNING %s) INSERT INTO %I (%s) SELECT %s FROM moved',
        lo, hi, cols, part, cols, cols);
      EXECUTE format('ALTER TABLE llm_traces ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
  END;
  FOR r IN SELECT attname, attstattarget FROM pg_attribute
            WHERE attrelid = 'llm_traces'::regclass AND attnum > 0 AND NOT attisdropped AND attstattarget IS NOT NULL AND attstattarget >= 0 LOOP
    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET STATISTICS %s', part, r.attname, r.attstattarget);
  END LOOP;
  FOR r IN SELECT stxname, pg_get_statisticsobjdef(oid) AS def FROM pg_statistic_ext WHERE stxrelid = 'llm_traces'::regclass LOOP
    EXECUTE regexp_replace(regexp_replace(r.def, '^CREATE STATISTICS \\S+ ', format('CREATE STATISTICS IF NOT EXISTS %I ', left(part || '_' || regexp_replace(r.stxname, '^llm_traces_', ''), 63))),
      ' FROM \\S+$', format(' FROM %I', part));
  END LOOP;
  RETURN true;
END
$fn$;

-- Name of the partition of the UTC day that starts at d.
CREATE FUNCTION tracelens_partition_name(d timestamptz) RETURNS text
LANGUAGE sql STABLE RETURN 'llm_traces_p' || to_char(d AT TIME ZONE 'UTC', 'YYYYMMDD');

-- Day partitions covering [from_ts, to_ts); returns how many it created.
CREATE FUNCTION tracelens_ensure_partitions(from_ts timestamptz, to_ts timestamptz) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  d timestamptz := date_trunc('day', from_ts, 'UTC');
  created integer := 0;
BEGIN
  WHILE d < to_ts LOOP
    IF to_regclass(tracelens_partition_name(d)) IS NULL AND tracelens_create_partition(tracelens_partition_name(d), d, d + interval '24 hours') THEN
      created := created + 1;
    END IF;
    d := d + interval '24 hours';
  END LOOP;
  RETURN created;
END
$fn$;

-- Retention: drops every partition whose range ends at or before cutoff (UTC
-- day aligned by the caller). Spans of the default partition older than the
-- cutoff get their day partitions first, so they leave as whole partitions
-- too: spans are never deleted row by row. Returns the dropped partitions.
-- A DROP does not fire the DELETE triggers: the rollups keep the history.
CREATE FUNCTION tracelens_drop_partitions_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $fn$
DECLARE
  d timestamptz;
  r record;
BEGIN
  FOR d IN SELECT DISTINCT date_trunc('day', ts, 'UTC') FROM llm_traces_default WHERE ts < cutoff LOOP
    PERFORM tracelens_create_partition(tracelens_partition_name(d), d, d + interval '24 hours');
  END LOOP;
  FOR r IN SELECT c.relname, substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''([^'']+)''\\)')::timestamptz AS hi
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'llm_traces'::regclass ORDER BY 2 LOOP
    IF r.hi IS NOT NULL AND r.hi <= cutoff THEN
      EXECUTE format('DROP TABLE %I', r.relname);
      RETURN NEXT r.relname;
    END IF;
  END LOOP;
END
$fn$;

-- The conversion.
DO $m$
DECLARE
  cutoff timestamptz;
  next_id bigint;
  keep boolean;
  index_defs text[];
  trigger_defs text[];
  stat_defs text[];
  targets text[];
  def text;
  r record;
  ts_attnum smallint;
BEGIN
  LOCK TABLE llm_traces IN ACCESS EXCLUSIVE MODE;
  SELECT attnum INTO ts_attnum FROM pg_attribute WHERE attrelid = 'llm_traces'::regclass AND attname = 'ts';

  -- Without the online prepare: the same two steps, here, under the lock.
  ${ADD_CUTOFF}
  IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'llm_traces'::regclass AND conname = 'llm_traces_legacy_range' AND NOT convalidated) THEN
    ALTER TABLE llm_traces VALIDATE CONSTRAINT llm_traces_legacy_range;
  END IF;
  -- A concurrent build that was interrupted leaves an invalid index behind.
  IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('llm_traces_span_uq') AND NOT indisvalid) THEN
    DROP INDEX llm_traces_span_uq;
  END IF;
  CREATE UNIQUE INDEX IF NOT EXISTS llm_traces_span_uq ON llm_traces (project_id, trace_id, span_id, ts);

  SELECT substring(pg_get_constraintdef(oid) FROM '''([^'']+)''')::timestamptz INTO cutoff
    FROM pg_constraint WHERE conrelid = 'llm_traces'::regclass AND conname = 'llm_traces_legacy_range';
  keep := EXISTS (SELECT 1 FROM llm_traces);
  SELECT greatest(coalesce(max(id), 0), coalesce(pg_sequence_last_value(pg_get_serial_sequence('llm_traces', 'id')), 0)) + 1 INTO next_id FROM llm_traces;

  -- What the parent takes over, read while the names still point at the old table.
  SELECT coalesce(array_agg(pg_get_indexdef(i.indexrelid) ORDER BY c.relname), '{}') INTO index_defs
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE i.indrelid = 'llm_traces'::regclass AND (NOT i.indisunique OR ts_attnum = ANY (i.indkey));
  SELECT coalesce(array_agg(pg_get_triggerdef(oid) ORDER BY tgname), '{}') INTO trigger_defs
    FROM pg_trigger WHERE tgrelid = 'llm_traces'::regclass AND NOT tgisinternal;
  SELECT coalesce(array_agg(pg_get_statisticsobjdef(oid) ORDER BY stxname), '{}') INTO stat_defs
    FROM pg_statistic_ext WHERE stxrelid = 'llm_traces'::regclass;
  SELECT coalesce(array_agg(format('ALTER TABLE llm_traces ALTER COLUMN %I SET STATISTICS %s', attname, attstattarget)), '{}') INTO targets
    FROM pg_attribute WHERE attrelid = 'llm_traces'::regclass AND attnum > 0 AND NOT attisdropped AND attstattarget IS NOT NULL AND attstattarget >= 0;

  ALTER TABLE llm_traces RENAME TO llm_traces_legacy;
  FOR r IN SELECT tgname FROM pg_trigger WHERE tgrelid = 'llm_traces_legacy'::regclass AND NOT tgisinternal LOOP
    EXECUTE format('DROP TRIGGER %I ON llm_traces_legacy', r.tgname);
  END LOOP;
  -- Unique indexes without the partition key cannot be on the parent.
  FOR r IN SELECT c.relname, con.conname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
            WHERE i.indrelid = 'llm_traces_legacy'::regclass AND i.indisunique AND NOT ts_attnum = ANY (i.indkey) LOOP
    IF r.conname IS NOT NULL THEN
      EXECUTE format('ALTER TABLE llm_traces_legacy DROP CONSTRAINT %I', r.conname);
    ELSE
      EXECUTE format('DROP INDEX %I', r.relname);
    END IF;
  END LOOP;
  ALTER TABLE llm_traces_legacy ALTER COLUMN id DROP IDENTITY;
  -- The parent's indexes and statistics take the canonical names.
  FOR r IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'llm_traces_legacy'::regclass LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', r.relname, left('llm_traces_legacy_' || regexp_replace(r.relname, '^llm_traces_', ''), 63));
  END LOOP;
  FOR r IN SELECT stxname FROM pg_statistic_ext WHERE stxrelid = 'llm_traces_legacy'::regclass LOOP
    EXECUTE format('ALTER STATISTICS %I RENAME TO %I', r.stxname, left('llm_traces_legacy_' || regexp_replace(r.stxname, '^llm_traces_', ''), 63));
  END LOOP;

  CREATE TABLE llm_traces (LIKE llm_traces_legacy INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)
    PARTITION BY RANGE (ts);
  ALTER TABLE llm_traces DROP CONSTRAINT llm_traces_legacy_range;
  EXECUTE format('ALTER TABLE llm_traces ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START WITH %s)', next_id);
  COMMENT ON TABLE llm_traces IS 'LLM spans, one partition per UTC day (tracelens_ensure_partitions); llm_traces_default holds spans outside them';

  IF keep THEN
    -- No scan: the validated CHECK proves every row is below the cutoff.
    EXECUTE format('ALTER TABLE llm_traces ATTACH PARTITION llm_traces_legacy FOR VALUES FROM (MINVALUE) TO (%L)', cutoff);
  ELSE
    DROP TABLE llm_traces_legacy;
  END IF;
  CREATE TABLE llm_traces_default PARTITION OF llm_traces DEFAULT;

  FOREACH def IN ARRAY index_defs LOOP EXECUTE def; END LOOP;
  FOREACH def IN ARRAY trigger_defs LOOP EXECUTE def; END LOOP;
  FOREACH def IN ARRAY stat_defs LOOP EXECUTE def; END LOOP;
  FOREACH def IN ARRAY targets LOOP EXECUTE def; END LOOP;

  PERFORM tracelens_ensure_partitions(now() - interval '24 hours', now() + interval '7 days');
END
$m$;

-- A rebuild of the rollups starts from the spans still stored: buckets older
-- than the oldest stored day are history that retention dropped the spans of,
-- and are kept as they are.
ALTER FUNCTION tracelens_rollup_rebuild() RENAME TO tracelens_rollup_rebuild_from_spans;
CREATE FUNCTION tracelens_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  horizon timestamptz;
  r record;
BEGIN
  LOCK TABLE llm_traces IN SHARE MODE;
  horizon := coalesce(date_trunc('day', (SELECT min(ts) FROM llm_traces), 'UTC'), 'infinity');
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'bucket'
            WHERE c.relkind = 'r' AND (c.relname LIKE 'llm\\_rollup\\_%' OR c.relname LIKE 'llm\\_latency\\_%') AND pg_table_is_visible(c.oid) LOOP
    EXECUTE format('CREATE TEMP TABLE %I ON COMMIT DROP AS SELECT * FROM %I WHERE bucket < %L', 'keep_' || r.relname, r.relname, horizon);
  END LOOP;
  PERFORM tracelens_rollup_rebuild_from_spans();
  FOR r IN SELECT c.relname FROM pg_class c WHERE c.relname LIKE 'keep\\_llm\\_%' AND c.relpersistence = 't' AND pg_table_is_visible(c.oid) LOOP
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', substr(r.relname, 6), r.relname);
    EXECUTE format('DROP TABLE %I', r.relname);
  END LOOP;
END
$fn$;

-- No ANALYZE here: sampling every partition takes tens of seconds at 1M spans,
-- and this transaction holds the table's exclusive lock until it commits. The
-- partitions keep their statistics; the parent's (inherited) statistics are
-- gathered after the migration, outside it (partition upkeep, tracelens maintain).

-- For the schema readers (the doctor's expected indexes): the identity index
-- now includes ts, and the id primary key is gone (the statements above did
-- both; these find nothing left to do).
CREATE UNIQUE INDEX IF NOT EXISTS llm_traces_span_uq ON llm_traces (project_id, trace_id, span_id, ts);
DROP INDEX IF EXISTS llm_traces_identity_uq;
DROP INDEX IF EXISTS llm_traces_pkey;
`;

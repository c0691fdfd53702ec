// Partitions of llm_traces become UTC weeks (Monday to Monday) instead of days
// (docs/scaling.md, "Weekly, not daily"). PostgreSQL plans every partition a
// statement may touch and opens every index of each while planning, so the
// page that needs the whole range (a rare or absent value) paid for every day
// kept: 7-14 ms of planning at 40 day partitions on this machine, against
// 1-2 ms at six week partitions, and about four times as much at 90 days.
//
// Nothing is rewritten: day partitions holding spans stay as they are until
// retention drops them; empty ones (the days made ahead) are dropped and
// replaced. From now on a new partition covers its whole week; where days
// already cover part of a week (the current one), the rest of that week gets
// day partitions as before, so the two never overlap.
//
// This file is self-contained on purpose (a shipped migration never changes).
export default /* sql */ `
-- Name of the partition of the UTC week that starts at w (a Monday): the
-- 'w' tells it from a day partition of 0009 ('p'), which may start the same day.
CREATE FUNCTION tracelens_week_partition_name(w timestamptz) RETURNS text
LANGUAGE sql STABLE RETURN 'llm_traces_w' || to_char(w AT TIME ZONE 'UTC', 'YYYYMMDD');

-- A partition for the instant d: its week's, or, where day partitions already
-- cover part of that week, one for each day of it still uncovered (and none
-- where a wider partition from an upgrade covers it). Returns how many it made.
CREATE FUNCTION tracelens_ensure_partition_at(d timestamptz) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  w timestamptz := date_trunc('week', d, 'UTC');
  d0 timestamptz;
  created integer := 0;
BEGIN
  IF to_regclass(tracelens_week_partition_name(w)) IS NOT NULL THEN
    RETURN 0;
  END IF;
  IF tracelens_create_partition(tracelens_week_partition_name(w), w, w + interval '7 days') THEN
    RETURN 1;
  END IF;
  FOR i IN 0..6 LOOP
    d0 := w + i * interval '24 hours';
    IF to_regclass(tracelens_partition_name(d0)) IS NULL AND tracelens_create_partition(tracelens_partition_name(d0), d0, d0 + interval '24 hours') THEN
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$fn$;

-- Partitions covering [from_ts, to_ts), week by week; returns how many it created.
CREATE OR REPLACE FUNCTION tracelens_ensure_partitions(from_ts timestamptz, to_ts timestamptz) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  w timestamptz := date_trunc('week', from_ts, 'UTC');
  created integer := 0;
BEGIN
  WHILE w < to_ts LOOP
    created := created + tracelens_ensure_partition_at(w);
    w := w + interval '7 days';
  END LOOP;
  RETURN created;
END
$fn$;

-- Retention, as in 0009: spans of the default partition older than the cutoff
-- get their partitions first, then every partition ending at or before the
-- cutoff is dropped whole. A week leaves once its last day is past the cutoff.
CREATE OR REPLACE FUNCTION tracelens_drop_partitions_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $fn$
DECLARE
  w timestamptz;
  r record;
BEGIN
  FOR w IN SELECT DISTINCT date_trunc('week', ts, 'UTC') FROM llm_traces_default WHERE ts < cutoff LOOP
    PERFORM tracelens_ensure_partition_at(w);
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

-- Empty day partitions (the days ahead that 0009 made, all of them on a new
-- database) give way to weeks; days holding spans stay. Under the table's
-- lock, so no span lands in one between the check and the drop.
DO $m$
DECLARE
  r record;
  empty boolean;
BEGIN
  LOCK TABLE llm_traces IN ACCESS EXCLUSIVE MODE;
  FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'llm_traces'::regclass AND c.relname ~ '^llm_traces_p[0-9]{8}$' LOOP
    EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I)', r.relname) INTO empty;
    IF empty THEN
      EXECUTE format('DROP TABLE %I', r.relname);
    END IF;
  END LOOP;
  PERFORM tracelens_ensure_partitions(now() - interval '24 hours', now() + interval '8 days');
END
$m$;

COMMENT ON TABLE llm_traces IS 'LLM spans, one partition per UTC week (tracelens_ensure_partitions; day partitions of earlier versions until retention drops them); llm_traces_default holds spans outside them';
`;

// Week rows for the two per-user families (llm_rollup_user_1w,
// llm_rollup_user_model_1w), Monday to Monday (UTC), kept by the same
// triggers as their day rows.
//
// Per-user figures over a month were read from day rows only: a "last 30
// days" is about 50,000 user-day rows at 1M spans (15,000 users), and the
// cost attribution's page details about 30,000 user x model day rows for the
// fifty heaviest users, who are active every day. With weeks, the whole
// weeks of a range are one row per user (and model) each: measured on the
// 90-day benchmark database, the ranking's rows fell 51,000 -> 34,000 and the
// page details' 31,700 -> 8,900 (docs/analytics.md, "Rollups").
//
// The week rows are the same aggregates as the day rows, so they are filled
// from the day rows here (sums of sums, min of minima, the first and last
// span of the week from those of its days), and maintained per span from
// then on. Retention drops a week row once its whole week is past the
// horizon; the rebuild keeps whole weeks of history and recomputes the week
// that straddles the oldest stored day from its day rows.
//
// Self-contained on purpose: a shipped migration never changes. 0010's
// generator is reused as it is; every other table is maintained exactly as
// before.
import { allTables, applyRows, COUNTS, DAY, FAMILIES, keyOf, MEASURES, rollupName, rollupTable, triggerFunction, USER_F, USER_MODEL_F, type Family } from './0010-array-histograms.js';

const WEEK = ['1w', 'week'] as const;
const USER_0016: Family = { ...USER_F, extremes: ['ts'], grains: [DAY, WEEK] };
const USER_MODEL_0016: Family = { ...USER_MODEL_F, grains: [DAY, WEEK] };
const FAMILIES_0016: readonly Family[] = FAMILIES.map((f) => (f === USER_F ? USER_0016 : f === USER_MODEL_F ? USER_MODEL_0016 : f));
const WEEKLY: readonly Family[] = [USER_0016, USER_MODEL_0016];

/** Inserts the week rows of `f` aggregated from its day rows that `where` selects. */
function weeksFromDays(f: Family, where: string): string {
  const key = keyOf(f);
  const extremes = f.extremes ?? [];
  const cols = [...key, ...COUNTS, ...MEASURES.flatMap(([m]) => [`${m}_sum`, `${m}_n`, `${m}_min`, `${m}_max`]), 'duration_sumsq', ...extremes.flatMap((c) => [`${c}_min`, `${c}_max`])];
  const sel = [
    'project_id',
    `date_trunc('week', bucket, 'UTC')`,
    ...key.slice(2),
    ...COUNTS.map((c) => `sum(${c})`),
    ...MEASURES.flatMap(([m]) => [`sum(${m}_sum)`, `sum(${m}_n)`, `min(${m}_min)`, `max(${m}_max)`]),
    'sum(duration_sumsq)',
    ...extremes.flatMap((c) => [`min(${c}_min)`, `max(${c}_max)`]),
  ];
  const ord = key.map((_, i) => i + 1).join(', ');
  return `INSERT INTO ${rollupName(f, '1w')} (${cols.join(', ')})
  SELECT ${sel.join(', ')} FROM ${rollupName(f, '1d')} WHERE ${where} GROUP BY ${ord} ORDER BY ${ord};`;
}

export default /* sql */ `
SET LOCAL statement_timeout = 0;
-- Ingest waits while the week rows are filled: no span is missed.
LOCK TABLE llm_traces IN SHARE MODE;

${rollupTable(USER_0016, '1w', 'week')}
ALTER TABLE llm_rollup_user_1w ADD COLUMN ts_min timestamptz, ADD COLUMN ts_max timestamptz;
COMMENT ON COLUMN llm_rollup_user_1w.ts_min IS 'The earliest span of this user in this week';
COMMENT ON COLUMN llm_rollup_user_1w.ts_max IS 'The latest span of this user in this week';
-- As the day table (0013): ranges read by bucket, index-only for the cost ranking and distinct users.
DROP INDEX llm_rollup_user_1w_bucket_idx;
CREATE INDEX llm_rollup_user_1w_cover_idx ON llm_rollup_user_1w (bucket, project_id, user_id) INCLUDE (request_count, total_cost_sum);
${rollupTable(USER_MODEL_0016, '1w', 'week')}
CREATE INDEX llm_rollup_user_model_1w_user_idx ON llm_rollup_user_model_1w (user_id, bucket);

${WEEKLY.map((f) => weeksFromDays(f, 'true')).join('\n')}
ANALYZE llm_rollup_user_1w;
ANALYZE llm_rollup_user_model_1w;

${triggerFunction('tracelens_rollup_on_insert', applyRows('new_rows', 1, FAMILIES_0016))}
${triggerFunction('tracelens_rollup_on_delete', applyRows('old_rows', -1, FAMILIES_0016))}
${triggerFunction('tracelens_rollup_on_update', `${applyRows('old_rows', -1, FAMILIES_0016)}\n    ${applyRows('new_rows', 1, FAMILIES_0016)}`)}
${triggerFunction('tracelens_rollup_on_truncate', `TRUNCATE ${allTables(FAMILIES_0016).join(', ')};`)}

CREATE OR REPLACE FUNCTION tracelens_rollup_rebuild_from_spans() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE llm_traces IN SHARE MODE;
    TRUNCATE ${allTables(FAMILIES_0016).join(', ')};
    ${applyRows('llm_traces', 1, FAMILIES_0016)}
END
$fn$;

-- 0009's rebuild that keeps the history older than the oldest stored day, with weeks: whole weeks
-- before that day's week are kept, and the week that holds it is summed again from its day rows
-- (history days and rebuilt days alike).
CREATE OR REPLACE FUNCTION tracelens_rollup_rebuild_keeping_history() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  horizon timestamptz;
  week timestamptz;
  r record;
BEGIN
  LOCK TABLE llm_traces IN SHARE MODE;
  horizon := coalesce(date_trunc('day', (SELECT min(ts) FROM llm_traces), 'UTC'), 'infinity');
  week := CASE WHEN horizon = 'infinity' THEN horizon ELSE date_trunc('week', horizon, 'UTC') END;
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'bucket'
            WHERE c.relkind = 'r' AND (c.relname LIKE 'llm\\_rollup\\_%' OR c.relname LIKE 'llm\\_latency\\_%') AND pg_table_is_visible(c.oid) LOOP
    EXECUTE format('CREATE TEMP TABLE %I ON COMMIT DROP AS SELECT * FROM %I WHERE bucket < %L', 'keep_' || r.relname, r.relname,
                   CASE WHEN r.relname LIKE '%\\_1w' THEN week ELSE horizon END);
  END LOOP;
  PERFORM tracelens_rollup_rebuild_from_spans();
  FOR r IN SELECT c.relname FROM pg_class c WHERE c.relname LIKE 'keep\\_llm\\_%' AND c.relpersistence = 't' AND pg_table_is_visible(c.oid) LOOP
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', substr(r.relname, 6), r.relname);
    EXECUTE format('DROP TABLE %I', r.relname);
  END LOOP;
  IF week < horizon THEN
    ${WEEKLY.map((f) => `DELETE FROM ${rollupName(f, '1w')} WHERE bucket = week;\n    ${weeksFromDays(f, `bucket >= week AND bucket < week + interval '7 days'`)}`).join('\n    ')}
  END IF;
END
$fn$;
`;

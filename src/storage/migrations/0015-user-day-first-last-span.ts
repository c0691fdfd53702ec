// The first and the last span of each user's day (llm_rollup_user_1d.ts_min
// and ts_max), so that distinct users over a range whose ends fall inside a
// day are read from the day rows too. The user family has only a day grain
// (tens of thousands of users make finer grains as large as the spans), so
// the partial day at each end of a range was read from raw spans: for a
// range ending in the past ("the previous 30 days" of the metrics summary)
// that is up to a whole day of spans, 10,000 at 1M spans over 90 days, and
// it made that statement two to three times as slow as the current period's.
// A user has a span in [day start, to) exactly when the first span of its
// day is before `to`, and one in [from, day end) exactly when its last span
// is at or after `from`: the day rows answer both edges exactly.
//
// The columns are kept like the measures' minima and maxima: LEAST and
// GREATEST on insertion, recomputed from the remaining spans of the day when
// spans are removed. The trigger functions and the rebuild are generated
// again by 0010's generator with the two columns added to the user family;
// every other table is maintained exactly as before.
//
// Self-contained on purpose: a shipped migration never changes. 0010's
// generator is reused as it is (the same tables, in the same order).
import { ALL_TABLES, applyRows, FAMILIES, triggerFunction, USER_F, type Family } from './0010-array-histograms.js';

const USER_WITH_EXTREMES: Family = { ...USER_F, extremes: ['ts'] };
const FAMILIES_0015: readonly Family[] = FAMILIES.map((f) => (f === USER_F ? USER_WITH_EXTREMES : f));

const firstLast = (nullUsers: boolean) => `
UPDATE llm_rollup_user_1d r SET (ts_min, ts_max) = (s.first_ts, s.last_ts)
  FROM (SELECT project_id, date_trunc('day', ts, 'UTC') AS bucket, user_id, min(ts) AS first_ts, max(ts) AS last_ts
          FROM llm_traces WHERE user_id IS ${nullUsers ? '' : 'NOT '}NULL GROUP BY 1, 2, 3) s
 WHERE r.project_id = s.project_id AND r.bucket = s.bucket AND ${nullUsers ? 'r.user_id IS NULL' : 'r.user_id = s.user_id'};`;

export default /* sql */ `
SET LOCAL statement_timeout = 0;
-- Ingest waits while the columns are filled: no span is missed.
LOCK TABLE llm_traces IN SHARE MODE;

ALTER TABLE llm_rollup_user_1d ADD COLUMN ts_min timestamptz, ADD COLUMN ts_max timestamptz;
COMMENT ON COLUMN llm_rollup_user_1d.ts_min IS 'The earliest span of this user on this day (distinct users over a range that starts or ends inside the day)';
COMMENT ON COLUMN llm_rollup_user_1d.ts_max IS 'The latest span of this user on this day';
-- Spans with a user and the NULL user apart: an equality join hashes, IS NOT DISTINCT FROM would not.
${firstLast(false)}
${firstLast(true)}

${triggerFunction('tracelens_rollup_on_insert', applyRows('new_rows', 1, FAMILIES_0015))}
${triggerFunction('tracelens_rollup_on_delete', applyRows('old_rows', -1, FAMILIES_0015))}
${triggerFunction('tracelens_rollup_on_update', `${applyRows('old_rows', -1, FAMILIES_0015)}\n    ${applyRows('new_rows', 1, FAMILIES_0015)}`)}

CREATE OR REPLACE FUNCTION tracelens_rollup_rebuild_from_spans() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE llm_traces IN SHARE MODE;
    TRUNCATE ${ALL_TABLES.join(', ')};
    ${applyRows('llm_traces', 1, FAMILIES_0015)}
END
$fn$;
`;

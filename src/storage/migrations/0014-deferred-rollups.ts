// Rollup maintenance out of the ingest transaction, as an option
// (ROLLUP_MODE=deferred; docs/analytics.md, "Deferred rollups").
//
// Inline (the default, as since 0003): the statement triggers of llm_traces
// apply every batch's deltas to the rollup, histogram, error and trace-cost
// tables in the ingest transaction. Concurrent batches update the same hot
// rows (this minute, hour and day of each project and model), so they wait
// for each other's row locks: measured, 31 % of the steady ingest rate
// (docs/performance.md, "Which cost to remove first").
//
// Deferred: when the writing session has tracelens.rollup_mode = 'deferred',
// the triggers only append the spans' rollup columns, with the sign of the
// change, to tracelens_rollup_pending: an append that no two batches share.
// tracelens_rollup_fold() moves pending rows into the rollups: it deletes a
// batch of them and inserts the same rows into tracelens_rollup_fold_plus or
// _minus, whose statement triggers run the very functions of the inline
// path (one definition of "rollup of a span"); the deletion and the deltas
// commit together, so each pending row is folded exactly once, whatever the
// order in which ingest transactions commit (a row is visible to the fold
// only once its transaction has committed; one that rolled back never is).
// One fold runs at a time (an advisory lock), across all instances.
//
// The inline triggers stay for every other writer (seed, tests, a session
// without the setting): each path is chosen per statement by the writing
// session's setting, never both.
//
// Self-contained on purpose: a shipped migration never changes.
const COLUMNS = [
  'id',
  'ts',
  'trace_id',
  'project_id',
  'span_name',
  'provider',
  'model',
  'environment',
  'status_code',
  'user_id',
  'error_message',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'prompt_cost_usd',
  'completion_cost_usd',
  'total_cost_usd',
  'duration_ms',
  'ttft_ms',
].join(', ');

const DEFERRED = `coalesce(current_setting('tracelens.rollup_mode', true), '') = 'deferred'`;

/** A statement trigger's function: its statements, then RETURN NULL. */
const triggerFunction = (name: string, body: string) => `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${body}
  RETURN NULL;
END
$fn$;`;

/** Appends a transition table's spans to the pending deltas with their sign. */
const append = (sign: 1 | -1, rows: string) => `INSERT INTO tracelens_rollup_pending (sign, ${COLUMNS}) SELECT ${sign}, ${COLUMNS} FROM ${rows};`;

const trigger = (name: string, event: string, referencing: string, when: string, fn: string) =>
  `DROP TRIGGER IF EXISTS ${name} ON llm_traces;
CREATE TRIGGER ${name} AFTER ${event} ON llm_traces
  REFERENCING ${referencing} FOR EACH STATEMENT WHEN (${when}) EXECUTE FUNCTION ${fn}();`;

export default /* sql */ `
SET LOCAL statement_timeout = 0;

-- The rollup columns of spans written in deferred mode, not folded yet: +1 for an inserted row, -1 for a removed one.
-- seq orders them by the time they were written (a sequence without a per-session cache): a span's removal
-- is always written after its insert committed, so it always comes later.
CREATE TABLE tracelens_rollup_pending AS SELECT 1::smallint AS sign, ${COLUMNS} FROM llm_traces WITH NO DATA;
ALTER TABLE tracelens_rollup_pending ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
COMMENT ON TABLE tracelens_rollup_pending IS 'Rollup deltas of spans written with tracelens.rollup_mode = deferred, until tracelens_rollup_fold() applies them';

-- Where a fold holds its batch, and hands its rows to the inline functions: empty outside a fold.
CREATE TABLE tracelens_rollup_fold_batch AS SELECT 1::smallint AS sign, ${COLUMNS} FROM llm_traces WITH NO DATA;
CREATE TABLE tracelens_rollup_fold_plus AS SELECT ${COLUMNS} FROM llm_traces WITH NO DATA;
CREATE TABLE tracelens_rollup_fold_minus AS SELECT ${COLUMNS} FROM llm_traces WITH NO DATA;
CREATE TRIGGER tracelens_rollup_fold_plus_apply AFTER INSERT ON tracelens_rollup_fold_plus
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracelens_rollup_on_insert();
-- The removal function reads its rows as old_rows: here they are the inserted rows of the minus table.
CREATE TRIGGER tracelens_rollup_fold_minus_apply AFTER INSERT ON tracelens_rollup_fold_minus
  REFERENCING NEW TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tracelens_rollup_on_delete();

${triggerFunction('tracelens_rollup_defer_insert', append(1, 'new_rows'))}
${triggerFunction('tracelens_rollup_defer_delete', append(-1, 'old_rows'))}
${triggerFunction('tracelens_rollup_defer_update', `${append(-1, 'old_rows')}\n  ${append(1, 'new_rows')}`)}
${triggerFunction('tracelens_rollup_pending_truncate', 'TRUNCATE tracelens_rollup_pending;')}

-- Each change takes one path, by the writing session's setting.
${trigger('llm_traces_rollup_insert', 'INSERT', 'NEW TABLE AS new_rows', `NOT ${DEFERRED}`, 'tracelens_rollup_on_insert')}
${trigger('llm_traces_rollup_delete', 'DELETE', 'OLD TABLE AS old_rows', `NOT ${DEFERRED}`, 'tracelens_rollup_on_delete')}
${trigger('llm_traces_rollup_update', 'UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows', `NOT ${DEFERRED}`, 'tracelens_rollup_on_update')}
${trigger('llm_traces_rollup_defer_insert', 'INSERT', 'NEW TABLE AS new_rows', DEFERRED, 'tracelens_rollup_defer_insert')}
${trigger('llm_traces_rollup_defer_delete', 'DELETE', 'OLD TABLE AS old_rows', DEFERRED, 'tracelens_rollup_defer_delete')}
${trigger('llm_traces_rollup_defer_update', 'UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows', DEFERRED, 'tracelens_rollup_defer_update')}
CREATE TRIGGER llm_traces_rollup_pending_truncate AFTER TRUNCATE ON llm_traces
  FOR EACH STATEMENT EXECUTE FUNCTION tracelens_rollup_pending_truncate();

-- Folds the max_rows oldest pending rows; returns how many, or -1 when another fold holds the lock.
-- Inserts are applied before removals: every removal's insert is in this batch or an earlier one
-- (seq order), so no rollup row goes through a negative count on the way.
CREATE FUNCTION tracelens_rollup_fold(max_rows integer) RETURNS integer LANGUAGE plpgsql AS $fn$
DECLARE
  n integer;
BEGIN
  -- Arbitrary constant: one fold at a time across every instance.
  IF NOT pg_try_advisory_xact_lock(727364518) THEN
    RETURN -1;
  END IF;
  -- A join, not seq = ANY(ARRAY(...)): an array from a subquery is searched linearly for every row.
  WITH d AS (
         DELETE FROM tracelens_rollup_pending p
          USING (SELECT seq FROM tracelens_rollup_pending ORDER BY seq LIMIT max_rows) b
          WHERE p.seq = b.seq
         RETURNING sign, ${COLUMNS})
  INSERT INTO tracelens_rollup_fold_batch SELECT * FROM d;
  GET DIAGNOSTICS n = ROW_COUNT;
  INSERT INTO tracelens_rollup_fold_plus SELECT ${COLUMNS} FROM tracelens_rollup_fold_batch WHERE sign > 0;
  INSERT INTO tracelens_rollup_fold_minus SELECT ${COLUMNS} FROM tracelens_rollup_fold_batch WHERE sign < 0;
  -- The triggers have run (each at the end of its statement): the hand-over tables are empty again.
  TRUNCATE tracelens_rollup_fold_batch, tracelens_rollup_fold_plus, tracelens_rollup_fold_minus;
  RETURN n;
END
$fn$;

-- A rebuild recomputes every rollup from the spans, pending ones included: their deltas must not be folded again.
ALTER FUNCTION tracelens_rollup_rebuild() RENAME TO tracelens_rollup_rebuild_keeping_history;
CREATE FUNCTION tracelens_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  LOCK TABLE llm_traces IN SHARE MODE;
  PERFORM tracelens_rollup_rebuild_keeping_history();
  DELETE FROM tracelens_rollup_pending;
END
$fn$;
`;

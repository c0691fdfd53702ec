// Analytics rollups: per-minute, per-hour and per-day aggregates of llm_traces,
// and per-hour and per-day latency histograms, maintained by statement-level
// triggers from the rows each statement really changed (transition tables).
//
// Why triggers with transition tables: an INSERT ... ON CONFLICT DO NOTHING
// lists only the rows it inserted in its NEW TABLE, so a re-sent span is
// counted once; COPY fires them too (the seeder); a DELETE (retention) lists
// the rows it removed in its OLD TABLE. The rollups change in the same
// transaction as the spans: an acknowledged span is already in them.
//
// Deadlocks: every statement upserts its aggregated deltas sorted by the
// unique key, tables always in the same order, so two concurrent batches
// lock the rows they share in the same order and one waits for the other.
//
// This file is self-contained on purpose (a shipped migration never changes):
// the SQL is generated here from the lists below, not from application code.

const DIMS = ['project_id', 'provider', 'model', 'environment', 'status_code', 'span_name'];
const KEY = ['project_id', 'bucket', ...DIMS.slice(1)];

/** Measures: [rollup prefix, raw column, sum type, min/max type]. */
const MEASURES: readonly [string, string, string, string][] = [
  ['prompt_tokens', 'prompt_tokens', 'bigint', 'integer'],
  ['completion_tokens', 'completion_tokens', 'bigint', 'integer'],
  ['total_tokens', 'total_tokens', 'bigint', 'integer'],
  ['prompt_cost', 'prompt_cost_usd', 'numeric', 'numeric(20, 10)'],
  ['completion_cost', 'completion_cost_usd', 'numeric', 'numeric(20, 10)'],
  ['total_cost', 'total_cost_usd', 'numeric', 'numeric(20, 10)'],
  ['duration', 'duration_ms', 'bigint', 'integer'],
  ['ttft', 'ttft_ms', 'bigint', 'integer'],
];

/** Histogram kinds: [metric id, raw column]. */
const HISTOGRAMS: readonly [number, string][] = [
  [1, 'duration_ms'],
  [2, 'ttft_ms'],
];

const GRAINS: readonly [string, string][] = [
  ['1m', 'minute'],
  ['1h', 'hour'],
  ['1d', 'day'],
];
const HIST_GRAINS = GRAINS.filter(([g]) => g !== '1m');

const COUNTS = ['request_count', 'error_count', 'success_count'];

/** Column definitions of KEY: the span's own nullability. */
const KEY_COLUMNS = [
  'project_id text NOT NULL',
  'bucket timestamptz NOT NULL',
  'provider text',
  'model text',
  'environment text',
  'status_code text NOT NULL',
  'span_name text NOT NULL',
]
  .map((c) => `  ${c},`)
  .join('\n');

function rollupTable(g: string, unit: string): string {
  const measureCols = MEASURES.map(
    ([m, , sumType, valueType]) =>
      `  ${m}_sum ${sumType} NOT NULL DEFAULT 0,\n  ${m}_n bigint NOT NULL DEFAULT 0,\n  ${m}_min ${valueType},\n  ${m}_max ${valueType},`,
  ).join('\n');
  return `
CREATE TABLE llm_rollup_${g} (
${KEY_COLUMNS}
  request_count bigint NOT NULL DEFAULT 0,
  error_count bigint NOT NULL DEFAULT 0,
  success_count bigint NOT NULL DEFAULT 0,
${measureCols}
  duration_sumsq numeric NOT NULL DEFAULT 0,
  CONSTRAINT llm_rollup_${g}_key UNIQUE NULLS NOT DISTINCT (${KEY.join(', ')})
);
-- Admin queries without a project scope read a time range across projects.
CREATE INDEX llm_rollup_${g}_bucket_idx ON llm_rollup_${g} (bucket);
COMMENT ON TABLE llm_rollup_${g} IS 'Aggregates of llm_traces per ${unit} (UTC) and dimensions; maintained by triggers';`;
}

function histTable(g: string, unit: string): string {
  return `
CREATE TABLE llm_latency_${g} (
${KEY_COLUMNS}
  metric smallint NOT NULL,
  bin smallint NOT NULL,
  n bigint NOT NULL,
  CONSTRAINT llm_latency_${g}_key UNIQUE NULLS NOT DISTINCT (${KEY.join(', ')}, metric, bin)
);
CREATE INDEX llm_latency_${g}_bucket_idx ON llm_latency_${g} (bucket);
COMMENT ON TABLE llm_latency_${g} IS 'Log-bucket histograms (ratio 1.02) of duration (metric 1) and ttft (metric 2) per ${unit} (UTC)';`;
}

/** The aggregated delta of `src` for one rollup table; sign -1 for removed rows. */
function rollupUpsert(g: string, unit: string, src: string, sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  const sel = [
    ...DIMS.slice(0, 1),
    `date_trunc('${unit}', ts, 'UTC')`,
    ...DIMS.slice(1),
    `${s}count(*)`,
    `${s}count(*) FILTER (WHERE status_code = 'ERROR')`,
    `${s}count(*) FILTER (WHERE status_code IN ('OK', 'SUCCESS'))`,
    ...MEASURES.flatMap(([, c]) => [`${s}coalesce(sum(${c}), 0)`, `${s}count(${c})`, `min(${c})`, `max(${c})`]),
    `${s}coalesce(sum(duration_ms::numeric * duration_ms), 0)`,
  ];
  const cols = [
    ...KEY,
    ...COUNTS,
    ...MEASURES.flatMap(([m]) => [`${m}_sum`, `${m}_n`, `${m}_min`, `${m}_max`]),
    'duration_sumsq',
  ];
  const additive = [...COUNTS, ...MEASURES.flatMap(([m]) => [`${m}_sum`, `${m}_n`]), 'duration_sumsq'];
  const set = additive.map((c) => `${c} = r.${c} + EXCLUDED.${c}`);
  // Removed rows cannot lower a max: min/max are recomputed after a removal.
  if (sign === 1) set.push(...MEASURES.flatMap(([m]) => [`${m}_min = LEAST(r.${m}_min, EXCLUDED.${m}_min)`, `${m}_max = GREATEST(r.${m}_max, EXCLUDED.${m}_max)`]));
  const n = KEY.length;
  const ord = Array.from({ length: n }, (_, i) => i + 1).join(', ');
  return `INSERT INTO llm_rollup_${g} AS r (${cols.join(', ')})
    SELECT ${sel.join(', ')} FROM ${src} GROUP BY ${ord} ORDER BY ${ord}
    ON CONFLICT ON CONSTRAINT llm_rollup_${g}_key DO UPDATE SET ${set.join(', ')};`;
}

function histUpsert(g: string, unit: string, src: string, sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  const parts = HISTOGRAMS.map(
    ([id, c]) =>
      `SELECT ${DIMS[0]}, date_trunc('${unit}', ts, 'UTC') AS bucket, ${DIMS.slice(1).join(', ')}, ${id}::smallint AS metric, tracelens_latency_bin(${c}) AS bin FROM ${src} WHERE ${c} IS NOT NULL`,
  );
  const n = KEY.length + 2;
  const ord = Array.from({ length: n }, (_, i) => i + 1).join(', ');
  return `INSERT INTO llm_latency_${g} AS r (${KEY.join(', ')}, metric, bin, n)
    SELECT *, ${s}count(*) FROM (${parts.join(' UNION ALL ')}) h GROUP BY ${ord} ORDER BY ${ord}
    ON CONFLICT ON CONSTRAINT llm_latency_${g}_key DO UPDATE SET n = r.n + EXCLUDED.n;`;
}

/** Rows of a table that `src` touched (same project, bucket and dimensions). */
function touched(unit: string, src: string): string {
  const match = DIMS.slice(1)
    .map((d) => `r.${d} IS NOT DISTINCT FROM o.${d}`)
    .join(' AND ');
  return `EXISTS (SELECT 1 FROM ${src} o WHERE o.project_id = r.project_id AND date_trunc('${unit}', o.ts, 'UTC') = r.bucket AND ${match})`;
}

/** After a removal: drop emptied rows, recompute min/max of the touched ones from the spans left. */
function rollupCleanup(g: string, unit: string, src: string): string {
  const rawMatch = DIMS.slice(1)
    .map((d) => `t.${d} IS NOT DISTINCT FROM r.${d}`)
    .join(' AND ');
  const minmax = MEASURES.flatMap(([m]) => [`${m}_min`, `${m}_max`]).join(', ');
  const recomputed = MEASURES.flatMap(([, c]) => [`min(t.${c})`, `max(t.${c})`]).join(', ');
  return `DELETE FROM llm_rollup_${g} r WHERE r.request_count = 0 AND ${touched(unit, src)};
    UPDATE llm_rollup_${g} r SET (${minmax}) = (
      SELECT ${recomputed} FROM llm_traces t
      WHERE t.project_id = r.project_id AND t.ts >= r.bucket AND t.ts < r.bucket + interval '1 ${unit}' AND ${rawMatch})
    WHERE ${touched(unit, src)};`;
}

function histCleanup(g: string, unit: string, src: string): string {
  return `DELETE FROM llm_latency_${g} r WHERE r.n = 0 AND ${touched(unit, src)};`;
}

function applyRows(src: string, sign: 1 | -1): string {
  const steps: string[] = [];
  for (const [g, unit] of GRAINS) steps.push(rollupUpsert(g, unit, src, sign));
  for (const [g, unit] of HIST_GRAINS) steps.push(histUpsert(g, unit, src, sign));
  if (sign === -1) {
    for (const [g, unit] of GRAINS) steps.push(rollupCleanup(g, unit, src));
    for (const [g, unit] of HIST_GRAINS) steps.push(histCleanup(g, unit, src));
  }
  return steps.join('\n    ');
}

function triggerFunction(name: string, body: string): string {
  return `
CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    ${body}
    RETURN NULL;
END
$fn$;`;
}

const ROLLUP_TABLES = [...GRAINS.map(([g]) => `llm_rollup_${g}`), ...HIST_GRAINS.map(([g]) => `llm_latency_${g}`)];

export default /* sql */ `
-- A backfill of a large table runs for minutes, past any query timeout.
SET LOCAL statement_timeout = 0;

-- Log-bucket index of a latency in ms: 0 for 0, else 1 + floor(log_1.02(v)), so
-- bin b holds [1.02^(b-1), 1.02^b). Its representative value (tracelens_latency_value)
-- is within (1.02 - 1) / (1.02 + 1) < 0.99 % of every value in the bin.
CREATE FUNCTION tracelens_latency_bin(v integer) RETURNS smallint
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE WHEN v <= 0 THEN 0 ELSE 1 + floor(ln(v::float8) / ln(1.02::float8))::integer END;
CREATE FUNCTION tracelens_latency_value(b smallint) RETURNS float8
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE WHEN b <= 0 THEN 0 ELSE 2 * power(1.02::float8, b) / (1 + 1.02::float8) END;

${GRAINS.map(([g, unit]) => rollupTable(g, unit)).join('\n')}
${HIST_GRAINS.map(([g, unit]) => histTable(g, unit)).join('\n')}

${triggerFunction('tracelens_rollup_on_insert', applyRows('new_rows', 1))}
${triggerFunction('tracelens_rollup_on_delete', applyRows('old_rows', -1))}
${triggerFunction('tracelens_rollup_on_update', `${applyRows('old_rows', -1)}\n    ${applyRows('new_rows', 1)}`)}
${triggerFunction('tracelens_rollup_on_truncate', `TRUNCATE ${ROLLUP_TABLES.join(', ')};`)}

CREATE TRIGGER llm_traces_rollup_insert AFTER INSERT ON llm_traces
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracelens_rollup_on_insert();
CREATE TRIGGER llm_traces_rollup_delete AFTER DELETE ON llm_traces
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tracelens_rollup_on_delete();
CREATE TRIGGER llm_traces_rollup_update AFTER UPDATE ON llm_traces
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tracelens_rollup_on_update();
CREATE TRIGGER llm_traces_rollup_truncate AFTER TRUNCATE ON llm_traces
  FOR EACH STATEMENT EXECUTE FUNCTION tracelens_rollup_on_truncate();

-- Rebuild from scratch (backfill of existing spans; tracelens maintain --rollups).
-- SHARE mode blocks writers for the duration, so no span is counted twice or missed.
CREATE FUNCTION tracelens_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE llm_traces IN SHARE MODE;
    TRUNCATE ${ROLLUP_TABLES.join(', ')};
    ${applyRows('llm_traces', 1)}
END
$fn$;

SELECT tracelens_rollup_rebuild();
ANALYZE ${ROLLUP_TABLES.join(', ')};
`;

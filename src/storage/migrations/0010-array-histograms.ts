// Latency histograms as arrays, and the structures of the reports that read
// raw rows by definition, all kept exact by the statement-level triggers of
// 0003 (transition tables, same transaction as the spans).
//
// 1. Histograms: one row per (family key, bucket, metric) holding its bins
//    and their counts in two parallel arrays (`bins` ascending, `counts`),
//    instead of one row per bin. A 1 % log-bucket histogram has about 300
//    occupied bins, so a 90-day per-model percentile read 560 000 rows; it
//    now reads one row per (model, day) and the service merges the arrays.
//    With one row per key, hour histograms compress like the rollups do, so
//    every family gets them at 1h and 1d (the per-bin tables held about one
//    row per span per hour). Existing histograms are converted in place; the
//    new ones (project/model/status per hour, status per day) are derived
//    from the wide ones, which hold the same spans.
// 2. llm_rollup_user_1d: the rollup columns per (project, day, user_id):
//    cost attribution per user and exact distinct users (count(DISTINCT)
//    over these rows equals it over the spans); llm_rollup_user_model_1d
//    adds provider and model to the key (2.7 times the rows) for the split
//    of each user's cost by provider and by model.
// 3. llm_rollup_error_1d: failed spans per (project, day, normalized
//    message, user_id): count, latest occurrence and its message. The
//    normalization (tracelens_error_signature) moves into SQL so that the
//    trigger and the report's raw edges apply the very same rules; keeping
//    user_id in the key keeps affected users exact.
// 4. llm_trace_costs: one row per (project, trace) of its costed spans
//    (total_cost_usd > 0): cost, spans, tokens, first and last ts and the
//    earliest span's name and user. Top-N most expensive traces of a range
//    read the traces wholly inside it in cost order and compute only the few
//    that straddle a bound from raw rows.
//
// Deadlocks: every statement upserts its deltas sorted by key, tables in
// one fixed order (rollups wide, project, status, model, user, user_model; histograms
// in the same family order; errors; trace costs), as 0008 did.
//
// Self-contained on purpose: a shipped migration never changes. Its SQL
// generator is exported for 0015, which generates the same functions with
// one more pair of columns in the user family: keep this file's output as
// it is (a family without `extremes` generates exactly what 0010 ran).

export interface Family {
  readonly dims: readonly (readonly [string, string])[];
  /** Span columns kept as <column>_min and <column>_max only (no sum): 0015's first and last span of a user's day. */
  readonly extremes?: readonly string[];
  readonly grains: readonly (readonly [string, string])[];
  readonly histGrains: readonly (readonly [string, string])[];
  readonly infix: string;
}

const MINUTE = ['1m', 'minute'] as const;
const HOUR = ['1h', 'hour'] as const;
export const DAY = ['1d', 'day'] as const;
const PROVIDER = ['provider', 'text'] as const;
const MODEL = ['model', 'text'] as const;
const ENVIRONMENT = ['environment', 'text'] as const;
const STATUS = ['status_code', 'text NOT NULL'] as const;
const USER = ['user_id', 'text'] as const;

export const WIDE: Family = { infix: '', dims: [PROVIDER, MODEL, ENVIRONMENT, STATUS, ['span_name', 'text NOT NULL']], grains: [MINUTE, HOUR, DAY], histGrains: [HOUR, DAY] };
export const PROJECT: Family = { infix: 'project_', dims: [], grains: [MINUTE, HOUR, DAY], histGrains: [HOUR, DAY] };
export const STATUS_F: Family = { infix: 'status_', dims: [ENVIRONMENT, STATUS], grains: [MINUTE, HOUR, DAY], histGrains: [HOUR, DAY] };
export const MODEL_F: Family = { infix: 'model_', dims: [PROVIDER, MODEL], grains: [HOUR, DAY], histGrains: [HOUR, DAY] };
export const USER_F: Family = { infix: 'user_', dims: [USER], grains: [DAY], histGrains: [] };
export const USER_MODEL_F: Family = { infix: 'user_model_', dims: [USER, PROVIDER, MODEL], grains: [DAY], histGrains: [] };
export const FAMILIES: readonly Family[] = [WIDE, PROJECT, STATUS_F, MODEL_F, USER_F, USER_MODEL_F];

export const MEASURES: readonly [string, string, string, string][] = [
  ['prompt_tokens', 'prompt_tokens', 'bigint', 'integer'],
  ['completion_tokens', 'completion_tokens', 'bigint', 'integer'],
  ['total_tokens', 'total_tokens', 'bigint', 'integer'],
  ['prompt_cost', 'prompt_cost_usd', 'numeric', 'numeric(20, 10)'],
  ['completion_cost', 'completion_cost_usd', 'numeric', 'numeric(20, 10)'],
  ['total_cost', 'total_cost_usd', 'numeric', 'numeric(20, 10)'],
  ['duration', 'duration_ms', 'bigint', 'integer'],
  ['ttft', 'ttft_ms', 'bigint', 'integer'],
];
const HISTOGRAMS: readonly [number, string][] = [
  [1, 'duration_ms'],
  [2, 'ttft_ms'],
];
export const COUNTS = ['request_count', 'error_count', 'success_count'];

/** The normalization of error messages (the report's rules, in this order). */
const ERROR_RULES: readonly [string, string][] = [
  ['[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'],
  ['[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', '<email>'],
  ['"[^"]*"', '"<str>"'],
  ["'[^']*'", "'<str>'"],
  ['[0-9]+(\\.[0-9]+)+', '<n>'],
  ['\\m\\w*[0-9]\\w*\\M', '<n>'],
  ['\\s+', ' '],
];
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

const dimNames = (f: Family) => f.dims.map(([d]) => d);
export const keyOf = (f: Family) => ['project_id', 'bucket', ...dimNames(f)];
export const rollupName = (f: Family, g: string) => `llm_rollup_${f.infix}${g}`;
const histName = (f: Family, g: string) => `llm_latency_${f.infix}${g}`;
const ordinals = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(', ');

function keyColumns(f: Family): string {
  return ['project_id text NOT NULL', 'bucket timestamptz NOT NULL', ...f.dims.map(([d, t]) => `${d} ${t}`)].map((c) => `  ${c},`).join('\n');
}

export function rollupTable(f: Family, g: string, unit: string): string {
  const t = rollupName(f, g);
  const measureCols = MEASURES.map(
    ([m, , sumType, valueType]) => `  ${m}_sum ${sumType} NOT NULL DEFAULT 0,\n  ${m}_n bigint NOT NULL DEFAULT 0,\n  ${m}_min ${valueType},\n  ${m}_max ${valueType},`,
  ).join('\n');
  return `
CREATE TABLE ${t} (
${keyColumns(f)}
  request_count bigint NOT NULL DEFAULT 0,
  error_count bigint NOT NULL DEFAULT 0,
  success_count bigint NOT NULL DEFAULT 0,
${measureCols}
  duration_sumsq numeric NOT NULL DEFAULT 0,
  CONSTRAINT ${t}_key UNIQUE NULLS NOT DISTINCT (${keyOf(f).join(', ')})
);
CREATE INDEX ${t}_bucket_idx ON ${t} (bucket);
COMMENT ON TABLE ${t} IS 'Aggregates of llm_traces per ${unit} (UTC), project and ${dimNames(f).join(', ')}; maintained by triggers';`;
}

function histTable(f: Family, g: string, unit: string): string {
  const t = histName(f, g);
  return `
CREATE TABLE ${t} (
${keyColumns(f)}
  metric smallint NOT NULL,
  bins smallint[] NOT NULL,
  counts integer[] NOT NULL,
  -- The arrays as text ('bins;counts'), written with them: readers fetch it
  -- as it is stored, where converting the arrays costs 90 % of a read.
  packed text NOT NULL,
  CONSTRAINT ${t}_key UNIQUE NULLS NOT DISTINCT (${keyOf(f).join(', ')}, metric)
-- Rows stay inline and uncompressed up to a page: decompressing 'packed' would cost a read more than the bytes it saves.
) WITH (toast_tuple_target = 8160);
-- Admin percentile queries read one metric over a time range across projects.
CREATE INDEX ${t}_bucket_idx ON ${t} (metric, bucket);
COMMENT ON TABLE ${t} IS 'Log-bucket histograms (ratio 1.02) of duration (metric 1) and ttft (metric 2) per ${unit} (UTC), project${f.dims.length ? ` and ${dimNames(f).join(', ')}` : ''}: bins ascending, counts of each';`;
}

export function rollupUpsert(f: Family, g: string, unit: string, src: string, sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  const t = rollupName(f, g);
  const sel = [
    'project_id',
    `date_trunc('${unit}', ts, 'UTC')`,
    ...dimNames(f),
    `${s}count(*)`,
    `${s}count(*) FILTER (WHERE status_code = 'ERROR')`,
    `${s}count(*) FILTER (WHERE status_code IN ('OK', 'SUCCESS'))`,
    ...MEASURES.flatMap(([, c]) => [`${s}coalesce(sum(${c}), 0)`, `${s}count(${c})`, `min(${c})`, `max(${c})`]),
    `${s}coalesce(sum(duration_ms::numeric * duration_ms), 0)`,
  ];
  const extremes = f.extremes ?? [];
  sel.push(...extremes.flatMap((c) => [`min(${c})`, `max(${c})`]));
  const extremeCols = extremes.flatMap((c) => [`${c}_min`, `${c}_max`]);
  const cols = [...keyOf(f), ...COUNTS, ...MEASURES.flatMap(([m]) => [`${m}_sum`, `${m}_n`, `${m}_min`, `${m}_max`]), 'duration_sumsq', ...extremeCols];
  const additive = [...COUNTS, ...MEASURES.flatMap(([m]) => [`${m}_sum`, `${m}_n`]), 'duration_sumsq'];
  const set = additive.map((c) => `${c} = r.${c} + EXCLUDED.${c}`);
  if (sign === 1) {
    set.push(...[...MEASURES.map(([m]) => m), ...extremes].flatMap((m) => [`${m}_min = LEAST(r.${m}_min, EXCLUDED.${m}_min)`, `${m}_max = GREATEST(r.${m}_max, EXCLUDED.${m}_max)`]));
  }
  const ord = ordinals(keyOf(f).length);
  return `INSERT INTO ${t} AS r (${cols.join(', ')})
    SELECT ${sel.join(', ')} FROM ${src} GROUP BY ${ord} ORDER BY ${ord}
    ON CONFLICT ON CONSTRAINT ${t}_key DO UPDATE SET ${set.join(', ')};`;
}

/** Per (key, metric): the statement's bins and their counts (negative for removed rows), merged into the stored arrays. */
function histUpsert(f: Family, g: string, unit: string, src: string, sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  const t = histName(f, g);
  const dims = dimNames(f).map((d) => `, ${d}`).join('');
  const parts = HISTOGRAMS.map(
    ([id, c]) => `SELECT project_id, date_trunc('${unit}', ts, 'UTC') AS bucket${dims}, ${id}::smallint AS metric, tracelens_latency_bin(${c}) AS bin FROM ${src} WHERE ${c} IS NOT NULL`,
  );
  const key = [...keyOf(f), 'metric'];
  const ordBin = ordinals(key.length + 1);
  const ord = ordinals(key.length);
  return `INSERT INTO ${t} AS r (${key.join(', ')}, bins, counts, packed)
    SELECT *, tracelens_hist_text(bins, counts) FROM (
      SELECT ${key.join(', ')}, array_agg(bin ORDER BY bin) AS bins, array_agg(n ORDER BY bin) AS counts FROM (
        SELECT *, ${s}count(*)::integer AS n FROM (${parts.join(' UNION ALL ')}) h GROUP BY ${ordBin}) d
      GROUP BY ${ord} ORDER BY ${ord}) a
    ON CONFLICT ON CONSTRAINT ${t}_key DO UPDATE SET (bins, counts, packed) = (SELECT m.bins, m.counts, tracelens_hist_text(m.bins, m.counts) FROM tracelens_hist_merge(r.bins, r.counts, EXCLUDED.bins, EXCLUDED.counts) m);`;
}

function touched(f: Family, unit: string, src: string): string {
  const match = dimNames(f).map((d) => ` AND r.${d} IS NOT DISTINCT FROM o.${d}`).join('');
  return `EXISTS (SELECT 1 FROM ${src} o WHERE o.project_id = r.project_id AND date_trunc('${unit}', o.ts, 'UTC') = r.bucket${match})`;
}

function rollupCleanup(f: Family, g: string, unit: string, src: string): string {
  const t = rollupName(f, g);
  const rawMatch = dimNames(f).map((d) => ` AND t.${d} IS NOT DISTINCT FROM r.${d}`).join('');
  const extremes = f.extremes ?? [];
  const minmax = [...MEASURES.map(([m]) => m), ...extremes].flatMap((m) => [`${m}_min`, `${m}_max`]).join(', ');
  const recomputed = [...MEASURES.map(([, c]) => c), ...extremes].flatMap((c) => [`min(t.${c})`, `max(t.${c})`]).join(', ');
  return `DELETE FROM ${t} r WHERE r.request_count = 0 AND ${touched(f, unit, src)};
    UPDATE ${t} r SET (${minmax}) = (
      SELECT ${recomputed} FROM llm_traces t
      WHERE t.project_id = r.project_id AND t.ts >= r.bucket AND t.ts < r.bucket + interval '1 ${unit}'${rawMatch})
    WHERE ${touched(f, unit, src)};`;
}

function histCleanup(f: Family, g: string, unit: string, src: string): string {
  return `DELETE FROM ${histName(f, g)} r WHERE cardinality(r.bins) = 0 AND ${touched(f, unit, src)};`;
}

// Errors: per (project, day, signature, user). The latest occurrence is the
// greatest (ts, id); a removal recomputes it from the spans left.
const ERROR_KEY = ['project_id', 'bucket', 'signature', 'user_id'];
function errorUpsert(src: string, sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  const newer = `(EXCLUDED.last_seen, EXCLUDED.last_id) > (r.last_seen, r.last_id)`;
  const latest =
    sign === 1 ? ['last_seen', 'last_id', 'sample'].map((c) => `, ${c} = CASE WHEN ${newer} THEN EXCLUDED.${c} ELSE r.${c} END`).join('') : '';
  return `INSERT INTO llm_rollup_error_1d AS r (${ERROR_KEY.join(', ')}, n, last_seen, last_id, sample)
    SELECT project_id, date_trunc('day', ts, 'UTC'), tracelens_error_signature(error_message), user_id, ${s}count(*),
           max(ts), (array_agg(id ORDER BY ts DESC, id DESC))[1], (array_agg(error_message ORDER BY ts DESC, id DESC))[1]
      FROM ${src} WHERE status_code = 'ERROR' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT ON CONSTRAINT llm_rollup_error_1d_key DO UPDATE SET n = r.n + EXCLUDED.n${latest};`;
}
function errorCleanup(src: string): string {
  const touchedErr = `EXISTS (SELECT 1 FROM ${src} o WHERE o.status_code = 'ERROR' AND o.project_id = r.project_id AND date_trunc('day', o.ts, 'UTC') = r.bucket AND tracelens_error_signature(o.error_message) IS NOT DISTINCT FROM r.signature AND o.user_id IS NOT DISTINCT FROM r.user_id)`;
  return `DELETE FROM llm_rollup_error_1d r WHERE r.n = 0 AND ${touchedErr};
    UPDATE llm_rollup_error_1d r SET (last_seen, last_id, sample) = (
      SELECT t.ts, t.id, t.error_message FROM llm_traces t
       WHERE t.status_code = 'ERROR' AND t.project_id = r.project_id AND t.ts >= r.bucket AND t.ts < r.bucket + interval '1 day'
         AND tracelens_error_signature(t.error_message) IS NOT DISTINCT FROM r.signature AND t.user_id IS NOT DISTINCT FROM r.user_id
       ORDER BY t.ts DESC, t.id DESC LIMIT 1)
    WHERE ${touchedErr};`;
}

// Trace costs: the costed spans (total_cost_usd > 0) of each trace.
const FIRST = (c: string) => `(array_agg(${c} ORDER BY ts, id))[1]`;
function traceUpsert(src: string, sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  const earlier = `(EXCLUDED.first_ts, EXCLUDED.first_id) < (r.first_ts, r.first_id)`;
  const set =
    sign === 1
      ? `, last_ts = GREATEST(r.last_ts, EXCLUDED.last_ts), first_ts = LEAST(r.first_ts, EXCLUDED.first_ts),` +
        ` first_id = CASE WHEN ${earlier} THEN EXCLUDED.first_id ELSE r.first_id END,` +
        ` first_span_name = CASE WHEN ${earlier} THEN EXCLUDED.first_span_name ELSE r.first_span_name END,` +
        ` first_user_id = CASE WHEN ${earlier} THEN EXCLUDED.first_user_id ELSE r.first_user_id END`
      : '';
  return `INSERT INTO llm_trace_costs AS r (project_id, trace_id, total_cost, span_count, total_tokens, first_ts, last_ts, first_id, first_span_name, first_user_id)
    SELECT project_id, trace_id, ${s}sum(total_cost_usd), ${s}count(*), ${s}coalesce(sum(total_tokens), 0), min(ts), max(ts), ${FIRST('id')}, ${FIRST('span_name')}, ${FIRST('user_id')}
      FROM ${src} WHERE total_cost_usd > 0 GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (project_id, trace_id) DO UPDATE SET total_cost = r.total_cost + EXCLUDED.total_cost, span_count = r.span_count + EXCLUDED.span_count,
      total_tokens = r.total_tokens + EXCLUDED.total_tokens${set};`;
}
function traceCleanup(src: string): string {
  const touchedTrace = `EXISTS (SELECT 1 FROM ${src} o WHERE o.total_cost_usd > 0 AND o.project_id = r.project_id AND o.trace_id = r.trace_id)`;
  return `DELETE FROM llm_trace_costs r WHERE r.span_count = 0 AND ${touchedTrace};
    UPDATE llm_trace_costs r SET (first_ts, last_ts, first_id, first_span_name, first_user_id) = (
      SELECT min(ts), max(ts), ${FIRST('id')}, ${FIRST('span_name')}, ${FIRST('user_id')} FROM llm_traces t
       WHERE t.project_id = r.project_id AND t.trace_id = r.trace_id AND t.total_cost_usd > 0)
    WHERE ${touchedTrace};`;
}

export function applyRows(src: string, sign: 1 | -1, families: readonly Family[] = FAMILIES): string {
  const steps: string[] = [];
  for (const f of families) for (const [g, unit] of f.grains) steps.push(rollupUpsert(f, g, unit, src, sign));
  for (const f of families) for (const [g, unit] of f.histGrains) steps.push(histUpsert(f, g, unit, src, sign));
  steps.push(errorUpsert(src, sign), traceUpsert(src, sign));
  if (sign === -1) {
    for (const f of families) for (const [g, unit] of f.grains) steps.push(rollupCleanup(f, g, unit, src));
    for (const f of families) for (const [g, unit] of f.histGrains) steps.push(histCleanup(f, g, unit, src));
    steps.push(errorCleanup(src), traceCleanup(src));
  }
  return steps.join('\n    ');
}

export function triggerFunction(name: string, body: string): string {
  return `
CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    ${body}
    RETURN NULL;
END
$fn$;`;
}

/** Every table the triggers of these families maintain, in their order. */
export function allTables(families: readonly Family[]): string[] {
  return [
    ...families.flatMap((f) => f.grains.map(([g]) => rollupName(f, g))),
    ...families.flatMap((f) => f.histGrains.map(([g]) => histName(f, g))),
    'llm_rollup_error_1d',
    'llm_trace_costs',
  ];
}
export const ALL_TABLES = allTables(FAMILIES);

/** Per-bin histograms of 0003/0008 converted to arrays: [family, grain]. */
const CONVERTED: readonly [Family, readonly [string, string]][] = [
  [WIDE, HOUR],
  [WIDE, DAY],
  [PROJECT, DAY],
  [MODEL_F, DAY],
];
/** New histograms, derived from a wide one of the same grain (the same spans, summed over the dimensions dropped). */
const DERIVED: readonly [Family, readonly [string, string]][] = [
  [PROJECT, HOUR],
  [STATUS_F, HOUR],
  [STATUS_F, DAY],
  [MODEL_F, HOUR],
];

function convert(f: Family, [g, unit]: readonly [string, string]): string {
  const t = histName(f, g);
  const key = [...keyOf(f), 'metric'].join(', ');
  return `
CREATE TEMP TABLE conv_${t} ON COMMIT DROP AS
  SELECT ${key}, array_agg(bin ORDER BY bin) AS bins, array_agg(n::integer ORDER BY bin) AS counts FROM ${t} GROUP BY ${key};
DROP TABLE ${t};
${histTable(f, g, unit)}
INSERT INTO ${t} SELECT *, tracelens_hist_text(bins, counts) FROM conv_${t};`;
}

function derive(f: Family, [g, unit]: readonly [string, string]): string {
  const t = histName(f, g);
  const key = [...keyOf(f), 'metric'].join(', ');
  return `
${histTable(f, g, unit)}
INSERT INTO ${t} (${key}, bins, counts, packed)
  SELECT *, tracelens_hist_text(bins, counts) FROM (
    SELECT ${key}, array_agg(bin ORDER BY bin) AS bins, array_agg(n ORDER BY bin) AS counts FROM (
      SELECT ${key}, u.bin, sum(u.n)::integer AS n FROM ${histName(WIDE, g)}, unnest(bins, counts) AS u(bin, n) GROUP BY ${key}, u.bin) d
    GROUP BY ${key}) a;`;
}

export default /* sql */ `
SET LOCAL statement_timeout = 0;
-- Ingest waits while the tables are converted and backfilled: no span is missed or counted twice.
LOCK TABLE llm_traces IN SHARE MODE;

-- Sum of two sparse histograms (bins ascending, counts of each); bins whose
-- count reaches 0 (a removal) leave the arrays, so a histogram always equals
-- the one built from its spans.
CREATE FUNCTION tracelens_hist_merge(ab smallint[], ac integer[], bb smallint[], bc integer[], OUT bins smallint[], OUT counts integer[])
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $f$
    SELECT coalesce(array_agg(bin ORDER BY bin), '{}'), coalesce(array_agg(n ORDER BY bin), '{}')
      FROM (SELECT bin, sum(n)::integer AS n FROM (SELECT * FROM unnest(ab, ac) UNION ALL SELECT * FROM unnest(bb, bc)) u(bin, n) GROUP BY bin) s
     WHERE n <> 0
  $f$;

-- A histogram as the text readers parse: 'bin,bin,...;count,count,...'.
CREATE FUNCTION tracelens_hist_text(bins smallint[], counts integer[]) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN array_to_string(bins, ',') || ';' || array_to_string(counts, ',');

-- The error report's normalization (docs/analytics-endpoints.md): what varies
-- between two occurrences of one error becomes a placeholder.
CREATE FUNCTION tracelens_error_signature(msg text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN left(btrim(${ERROR_RULES.reduce((e, [p, r]) => `regexp_replace(${e}, ${lit(p)}, ${lit(r)}, 'g')`, 'msg')}), 300);

${CONVERTED.map(([f, g]) => convert(f, g)).join('\n')}
${DERIVED.map(([f, g]) => derive(f, g)).join('\n')}

${rollupTable(USER_F, '1d', 'day')}
${rollupTable(USER_MODEL_F, '1d', 'day')}
-- Attribution splits read a page of users over a range.
CREATE INDEX llm_rollup_user_model_1d_user_idx ON llm_rollup_user_model_1d (user_id, bucket);

CREATE TABLE llm_rollup_error_1d (
  project_id text NOT NULL,
  bucket timestamptz NOT NULL,
  signature text,
  user_id text,
  n bigint NOT NULL,
  last_seen timestamptz NOT NULL,
  last_id bigint NOT NULL,
  sample text,
  CONSTRAINT llm_rollup_error_1d_key UNIQUE NULLS NOT DISTINCT (${ERROR_KEY.join(', ')})
);
CREATE INDEX llm_rollup_error_1d_bucket_idx ON llm_rollup_error_1d (bucket);
COMMENT ON TABLE llm_rollup_error_1d IS 'Failed spans per UTC day, project, normalized message and user: count and latest occurrence; maintained by triggers';

CREATE TABLE llm_trace_costs (
  project_id text NOT NULL,
  trace_id text NOT NULL,
  total_cost numeric NOT NULL,
  span_count bigint NOT NULL,
  total_tokens bigint NOT NULL,
  first_ts timestamptz NOT NULL,
  last_ts timestamptz NOT NULL,
  first_id bigint NOT NULL,
  first_span_name text NOT NULL,
  first_user_id text,
  PRIMARY KEY (project_id, trace_id)
);
-- Top-N: the traces in cost order, stopping at the N-th one inside the range.
CREATE INDEX llm_trace_costs_cost_idx ON llm_trace_costs (total_cost DESC) INCLUDE (first_ts, last_ts);
-- The traces that straddle a bound of the range (their in-range part comes from raw rows).
CREATE INDEX llm_trace_costs_span_idx ON llm_trace_costs USING gist (tstzrange(first_ts, last_ts, '[]'));
-- Retention: traces whose spans are gone.
CREATE INDEX llm_trace_costs_last_idx ON llm_trace_costs (last_ts);
COMMENT ON TABLE llm_trace_costs IS 'Costed spans (total_cost_usd > 0) per trace: cost, spans, tokens, first/last ts, earliest span; maintained by triggers';

${triggerFunction('tracelens_rollup_on_insert', applyRows('new_rows', 1))}
${triggerFunction('tracelens_rollup_on_delete', applyRows('old_rows', -1))}
${triggerFunction('tracelens_rollup_on_update', `${applyRows('old_rows', -1)}\n    ${applyRows('new_rows', 1)}`)}
${triggerFunction('tracelens_rollup_on_truncate', `TRUNCATE ${ALL_TABLES.join(', ')};`)}

-- The inner rebuild (0009 wraps it to keep buckets older than the stored spans).
CREATE OR REPLACE FUNCTION tracelens_rollup_rebuild_from_spans() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE llm_traces IN SHARE MODE;
    TRUNCATE ${ALL_TABLES.join(', ')};
    ${applyRows('llm_traces', 1)}
END
$fn$;

-- Backfill of the tables that have no source but the spans.
${rollupUpsert(USER_F, '1d', 'day', 'llm_traces', 1)}
${rollupUpsert(USER_MODEL_F, '1d', 'day', 'llm_traces', 1)}
${errorUpsert('llm_traces', 1)}
${traceUpsert('llm_traces', 1)}
ANALYZE ${ALL_TABLES.filter((t) => t.startsWith('llm_latency_') || ['llm_rollup_user_1d', 'llm_rollup_user_model_1d', 'llm_rollup_error_1d', 'llm_trace_costs'].includes(t)).join(', ')};
`;

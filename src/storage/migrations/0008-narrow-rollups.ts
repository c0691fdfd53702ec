// Narrow rollups: the same aggregates as migration 0003, keyed by fewer
// dimensions, so that a query that groups and filters by few of them reads
// far fewer rows. At 1M spans over 90 days the six-dimension rollups of 0003
// barely compress (one hourly row per 3.9 spans, one minute row per 1.2);
// keyed by project alone, one hourly row holds about 150 spans.
//
//   family   key (besides project_id and bucket)   grains       histograms
//   project  -                                     1m, 1h, 1d   1d
//   status   environment, status_code              1m, 1h, 1d   -
//   model    provider, model                       1h, 1d       1d
//   (wide)   provider, model, environment,         1m, 1h, 1d   1h, 1d   (0003)
//            status_code, span_name
//
// Histograms only per day: per hour a histogram of 1 % bins holds about one
// row per span at this density, at any key, and reading it is no faster than
// reading the spans.
//
// The triggers of 0003 keep their names; their functions are replaced by
// ones that maintain every family, tables always in the same order (wide
// first, then project, status, model; grains 1m, 1h, 1d; histograms last),
// each statement's deltas sorted by the unique key: two concurrent batches
// lock shared rows in the same order and never deadlock.
//
// Self-contained on purpose, like 0003: a shipped migration never changes.

interface Family {
  readonly name: string;
  /** Key columns after project_id and bucket, with the span's own nullability. */
  readonly dims: readonly (readonly [string, string])[];
  readonly grains: readonly (readonly [string, string])[];
  readonly histGrains: readonly (readonly [string, string])[];
  /** Table name prefix infix: '' for the wide family of 0003. */
  readonly infix: string;
}

const MINUTE = ['1m', 'minute'] as const;
const HOUR = ['1h', 'hour'] as const;
const DAY = ['1d', 'day'] as const;
const PROVIDER = ['provider', 'text'] as const;
const MODEL = ['model', 'text'] as const;
const ENVIRONMENT = ['environment', 'text'] as const;
const STATUS = ['status_code', 'text NOT NULL'] as const;

const WIDE: Family = { name: 'wide', infix: '', dims: [PROVIDER, MODEL, ENVIRONMENT, STATUS, ['span_name', 'text NOT NULL']], grains: [MINUTE, HOUR, DAY], histGrains: [HOUR, DAY] };
const NEW_FAMILIES: readonly Family[] = [
  { name: 'project', infix: 'project_', dims: [], grains: [MINUTE, HOUR, DAY], histGrains: [DAY] },
  { name: 'status', infix: 'status_', dims: [ENVIRONMENT, STATUS], grains: [MINUTE, HOUR, DAY], histGrains: [] },
  { name: 'model', infix: 'model_', dims: [PROVIDER, MODEL], grains: [HOUR, DAY], histGrains: [DAY] },
];
const ALL_FAMILIES: readonly Family[] = [WIDE, ...NEW_FAMILIES];

/** Measures: [rollup prefix, raw column, sum type, min/max type] (as 0003). */
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
const HISTOGRAMS: readonly [number, string][] = [
  [1, 'duration_ms'],
  [2, 'ttft_ms'],
];
const COUNTS = ['request_count', 'error_count', 'success_count'];

const dimNames = (f: Family) => f.dims.map(([d]) => d);
const keyOf = (f: Family) => ['project_id', 'bucket', ...dimNames(f)];
const rollupName = (f: Family, g: string) => `llm_rollup_${f.infix}${g}`;
const histName = (f: Family, g: string) => `llm_latency_${f.infix}${g}`;
const ordinals = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(', ');

function keyColumns(f: Family): string {
  return ['project_id text NOT NULL', 'bucket timestamptz NOT NULL', ...f.dims.map(([d, t]) => `${d} ${t}`)].map((c) => `  ${c},`).join('\n');
}

function rollupTable(f: Family, g: string, unit: string): string {
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
-- Admin queries without a project scope read a time range across projects.
CREATE INDEX ${t}_bucket_idx ON ${t} (bucket);
COMMENT ON TABLE ${t} IS 'Aggregates of llm_traces per ${unit} (UTC), project${f.dims.length ? ` and ${dimNames(f).join(', ')}` : ''}; maintained by triggers';`;
}

function histTable(f: Family, g: string, unit: string): string {
  const t = histName(f, g);
  return `
CREATE TABLE ${t} (
${keyColumns(f)}
  metric smallint NOT NULL,
  bin smallint NOT NULL,
  n bigint NOT NULL,
  CONSTRAINT ${t}_key UNIQUE NULLS NOT DISTINCT (${keyOf(f).join(', ')}, metric, bin)
);
-- Admin percentile queries read one metric over a time range across projects.
CREATE INDEX ${t}_bucket_idx ON ${t} (metric, bucket) INCLUDE (${[...dimNames(f), 'bin', 'n'].join(', ')});
COMMENT ON TABLE ${t} IS 'Log-bucket histograms (ratio 1.02) of duration (metric 1) and ttft (metric 2) per ${unit} (UTC), project${f.dims.length ? ` and ${dimNames(f).join(', ')}` : ''}';`;
}

/** The aggregated delta of `src` for one rollup table; sign -1 for removed rows. */
function rollupUpsert(f: Family, g: string, unit: string, src: string, sign: 1 | -1): string {
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
  const cols = [...keyOf(f), ...COUNTS, ...MEASURES.flatMap(([m]) => [`${m}_sum`, `${m}_n`, `${m}_min`, `${m}_max`]), 'duration_sumsq'];
  const additive = [...COUNTS, ...MEASURES.flatMap(([m]) => [`${m}_sum`, `${m}_n`]), 'duration_sumsq'];
  const set = additive.map((c) => `${c} = r.${c} + EXCLUDED.${c}`);
  // Removed rows cannot lower a max: min/max are recomputed after a removal.
  if (sign === 1) set.push(...MEASURES.flatMap(([m]) => [`${m}_min = LEAST(r.${m}_min, EXCLUDED.${m}_min)`, `${m}_max = GREATEST(r.${m}_max, EXCLUDED.${m}_max)`]));
  const ord = ordinals(keyOf(f).length);
  return `INSERT INTO ${t} AS r (${cols.join(', ')})
    SELECT ${sel.join(', ')} FROM ${src} GROUP BY ${ord} ORDER BY ${ord}
    ON CONFLICT ON CONSTRAINT ${t}_key DO UPDATE SET ${set.join(', ')};`;
}

function histUpsert(f: Family, g: string, unit: string, src: string, sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  const t = histName(f, g);
  const dims = dimNames(f).map((d) => `, ${d}`).join('');
  const parts = HISTOGRAMS.map(
    ([id, c]) => `SELECT project_id, date_trunc('${unit}', ts, 'UTC') AS bucket${dims}, ${id}::smallint AS metric, tracelens_latency_bin(${c}) AS bin FROM ${src} WHERE ${c} IS NOT NULL`,
  );
  const ord = ordinals(keyOf(f).length + 2);
  return `INSERT INTO ${t} AS r (${keyOf(f).join(', ')}, metric, bin, n)
    SELECT *, ${s}count(*) FROM (${parts.join(' UNION ALL ')}) h GROUP BY ${ord} ORDER BY ${ord}
    ON CONFLICT ON CONSTRAINT ${t}_key DO UPDATE SET n = r.n + EXCLUDED.n;`;
}

/** Rows of a table that `src` touched (same project, bucket and dimensions). */
function touched(f: Family, unit: string, src: string): string {
  const match = dimNames(f).map((d) => ` AND r.${d} IS NOT DISTINCT FROM o.${d}`).join('');
  return `EXISTS (SELECT 1 FROM ${src} o WHERE o.project_id = r.project_id AND date_trunc('${unit}', o.ts, 'UTC') = r.bucket${match})`;
}

/** After a removal: drop emptied rows, recompute min/max of the touched ones from the spans left. */
function rollupCleanup(f: Family, g: string, unit: string, src: string): string {
  const t = rollupName(f, g);
  const rawMatch = dimNames(f).map((d) => ` AND t.${d} IS NOT DISTINCT FROM r.${d}`).join('');
  const minmax = MEASURES.flatMap(([m]) => [`${m}_min`, `${m}_max`]).join(', ');
  const recomputed = MEASURES.flatMap(([, c]) => [`min(t.${c})`, `max(t.${c})`]).join(', ');
  return `DELETE FROM ${t} r WHERE r.request_count = 0 AND ${touched(f, unit, src)};
    UPDATE ${t} r SET (${minmax}) = (
      SELECT ${recomputed} FROM llm_traces t
      WHERE t.project_id = r.project_id AND t.ts >= r.bucket AND t.ts < r.bucket + interval '1 ${unit}'${rawMatch})
    WHERE ${touched(f, unit, src)};`;
}

function histCleanup(f: Family, g: string, unit: string, src: string): string {
  return `DELETE FROM ${histName(f, g)} r WHERE r.n = 0 AND ${touched(f, unit, src)};`;
}

function applyRows(families: readonly Family[], src: string, sign: 1 | -1): string {
  const steps: string[] = [];
  for (const f of families) for (const [g, unit] of f.grains) steps.push(rollupUpsert(f, g, unit, src, sign));
  for (const f of families) for (const [g, unit] of f.histGrains) steps.push(histUpsert(f, g, unit, src, sign));
  if (sign === -1) {
    for (const f of families) for (const [g, unit] of f.grains) steps.push(rollupCleanup(f, g, unit, src));
    for (const f of families) for (const [g, unit] of f.histGrains) steps.push(histCleanup(f, g, unit, src));
  }
  return steps.join('\n    ');
}

function triggerFunction(name: string, body: string): string {
  return `
CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    ${body}
    RETURN NULL;
END
$fn$;`;
}

const tablesOf = (families: readonly Family[]) => [
  ...families.flatMap((f) => f.grains.map(([g]) => rollupName(f, g))),
  ...families.flatMap((f) => f.histGrains.map(([g]) => histName(f, g))),
];
const ALL_TABLES = tablesOf(ALL_FAMILIES);
const NEW_TABLES = tablesOf(NEW_FAMILIES);

export default /* sql */ `
-- The backfill of a large table runs for minutes, past any query timeout.
SET LOCAL statement_timeout = 0;

${NEW_FAMILIES.flatMap((f) => f.grains.map(([g, unit]) => rollupTable(f, g, unit))).join('\n')}
${NEW_FAMILIES.flatMap((f) => f.histGrains.map(([g, unit]) => histTable(f, g, unit))).join('\n')}

${triggerFunction('tracelens_rollup_on_insert', applyRows(ALL_FAMILIES, 'new_rows', 1))}
${triggerFunction('tracelens_rollup_on_delete', applyRows(ALL_FAMILIES, 'old_rows', -1))}
${triggerFunction('tracelens_rollup_on_update', `${applyRows(ALL_FAMILIES, 'old_rows', -1)}\n    ${applyRows(ALL_FAMILIES, 'new_rows', 1)}`)}
${triggerFunction('tracelens_rollup_on_truncate', `TRUNCATE ${ALL_TABLES.join(', ')};`)}

-- Rebuild from scratch (tracelens maintain --rollups): every family.
CREATE OR REPLACE FUNCTION tracelens_rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE llm_traces IN SHARE MODE;
    TRUNCATE ${ALL_TABLES.join(', ')};
    ${applyRows(ALL_FAMILIES, 'llm_traces', 1)}
END
$fn$;

-- Backfill of the new families only (the wide ones are already complete);
-- SHARE mode: ingest waits, so no span is missed or counted twice.
LOCK TABLE llm_traces IN SHARE MODE;
${applyRows(NEW_FAMILIES, 'llm_traces', 1)}
ANALYZE ${NEW_TABLES.join(', ')};
`;

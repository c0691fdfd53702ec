// Deterministic rare values in seeded data, for the selectivity-adversarial
// benchmark (src/perf/shape-generator.ts) and the doctor.
//
// Two classes of spans carry them, about 0.01 % of the table each:
// - `spread`: one span in 10,000, chosen by a hash of its span id, so spread
//   evenly over the whole time range and uncorrelated with any column;
// - `old`: one span in 1,000 of the oldest tenth of the time range (same
//   hash, another residue): a value the newest end of the table never shows,
//   so walking the time index newest-first reads 90 % of it before the first match.
// A span of either class gets the class's value in every column that can
// take one: `<token>-<field>` text, a huge constant number, an extra tag and
// two attributes. Nothing in the planner's statistics singles them out (a
// hundred spans in a million are below the most-common-values lists), which
// is the point: the plan must not depend on the estimate being right.
//
// The rule runs as one SQL statement after the load (seedDatabase), on both
// engines, so it is the same for a fresh seed and for a database seeded before
// the rule existed (the benchmark's prepare step runs it on one): a function of the seeded
// rows, which are a function of the seed. It is idempotent. The rollup
// triggers see it as an ordinary UPDATE.

export type RareClass = 'spread' | 'old';
export const RARE_CLASSES: readonly RareClass[] = ['spread', 'old'];

/** Word that marks a class: no vocabulary word, no substring of any other seeded text. */
export const RARE_TOKEN: Readonly<Record<RareClass, string>> = { spread: 'qzvspread', old: 'qzvancient' };
/** The number every numeric column of a class's span holds (far above any real value). */
export const RARE_NUMBER: Readonly<Record<RareClass, number>> = { spread: 10_000_000, old: 20_000_000 };
/** A value and a word no seeded span has (and no prefix or substring of one). */
export const ABSENT_TOKEN = 'xylophone';
export const ABSENT_NUMBER = 99_999_999;

/** Text columns that take the class's value. Not ids (span identity), project (tenant) or status (a closed set). */
export const RARE_TEXT_COLUMNS = [
  'span_name', 'provider', 'model', 'input_text', 'output_text', 'error_message', 'user_id', 'session_id', 'environment',
] as const;
export const RARE_NUMBER_COLUMNS = [
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'prompt_cost_usd', 'completion_cost_usd', 'total_cost_usd', 'duration_ms', 'ttft_ms',
] as const;
/** Attribute keys the classes set: a string and a number. */
export const RARE_ATTRIBUTE_TEXT = 'feature';
export const RARE_ATTRIBUTE_NUMBER = 'retry_count';

/** The value a class puts in a text column, a tag or the text attribute. */
export function rareText(cls: RareClass, field: string): string {
  return `${RARE_TOKEN[cls]}-${field}`;
}

const SPREAD_MOD = 10_000;
const SPREAD_RESIDUE = 4242;
const OLD_MOD = 1_000;
const OLD_RESIDUE = 321;

const tok = (cls: RareClass) => `'${RARE_TOKEN[cls]}'`;
const byClass = (f: (cls: RareClass) => string) => `CASE m.cls WHEN 'spread' THEN ${f('spread')} ELSE ${f('old')} END`;

/** One UPDATE: the rule above over the whole table (a sequential scan; about 200 rows change at 1M). */
export const PLANT_RARE_VALUES_SQL = `
WITH bounds AS (SELECT min(ts) AS lo, max(ts) AS hi FROM llm_traces),
hashed AS (
  SELECT id, ts, ('x' || substr(span_id, 1, 8))::bit(32)::bigint AS h
  FROM llm_traces WHERE span_id ~ '^[0-9a-f]{8}'
),
marked AS (
  SELECT h.id, CASE WHEN h.h % ${SPREAD_MOD} = ${SPREAD_RESIDUE} THEN 'spread' ELSE 'old' END AS cls
  FROM hashed h, bounds b
  WHERE h.h % ${SPREAD_MOD} = ${SPREAD_RESIDUE}
     OR (h.h % ${OLD_MOD} = ${OLD_RESIDUE} AND h.ts < b.lo + (b.hi - b.lo) / 10)
)
UPDATE llm_traces s SET
  ${RARE_TEXT_COLUMNS.map((c) => `${c} = ${byClass(tok)} || '-${c}'`).join(',\n  ')},
  ${RARE_NUMBER_COLUMNS.map((c) => `${c} = ${byClass((k) => String(RARE_NUMBER[k]))}`).join(',\n  ')},
  tags = s.tags || (${byClass(tok)} || '-tags'),
  attributes = s.attributes || jsonb_build_object(
    '${RARE_ATTRIBUTE_TEXT}', ${byClass(tok)} || '-attributes',
    '${RARE_ATTRIBUTE_NUMBER}', ${byClass((k) => String(RARE_NUMBER[k]))})
FROM marked m
WHERE s.id = m.id AND s.span_name NOT LIKE 'qzv%'`;

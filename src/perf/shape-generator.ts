// The selectivity-adversarial shapes, generated from the field registry x the
// operator table (not hand-picked): for every (field, operator) pair a common
// value, a rare one spread over the whole time range, a rare one clustered in
// the oldest tenth, and an absent one; plus pairs of predicates that are each
// common but never true together. `npm run bench -- --suite generated` loads
// them all; `tracelens doctor` explains the rare, absent and disjoint ones.
//
// Rare values are the seed's planted ones (src/seed/rare-values.ts); a few
// values only the data knows (time bounds, one real span id, number
// quantiles) are read with index lookups by resolveGeneratedValues().
import { CHAT_MODELS } from '../seed/catalog.js';
import {
  ABSENT_NUMBER,
  ABSENT_TOKEN,
  RARE_ATTRIBUTE_NUMBER,
  RARE_ATTRIBUTE_TEXT,
  RARE_NUMBER,
  RARE_TEXT_COLUMNS,
  RARE_TOKEN,
  rareText,
  type RareClass,
} from '../seed/rare-values.js';
import { ATTRIBUTES_PREFIX, CONTENT_FIELD, FIELDS, OPERATORS_BY_TYPE, type FieldDef, type Operator } from '../query/fields.js';
import type { SearchBody } from '../query/request.js';
import type { Queryable } from '../storage/driver.js';
import { indexPath } from './index-map.js';
import type { QueryType } from './query-shapes.js';

export const GENERATED_VARIANTS = ['common', 'rare', 'rare_old', 'absent', 'disjoint'] as const;
export type GeneratedVariant = (typeof GENERATED_VARIANTS)[number];

export interface GeneratedShape {
  /** `field op variant`, unique. */
  name: string;
  field: string;
  operator: Operator | 'and';
  variant: GeneratedVariant;
  /** Row of the latency table the shape is held to. */
  type: QueryType;
  body: SearchBody;
  /** The index a rare, absent or disjoint value's plan is meant to read (null: none, see note). */
  index: string | RegExp | null;
  note: string;
}

/** What only the data knows; everything else is fixed by the seed. */
export interface GeneratedValues {
  tsMin: string;
  tsMax: string;
  /** Ids of one span of each rare class (one row, or one trace, in a million). */
  ids: Record<RareClass, { trace_id: string; span_id: string; parent_span_id: string | null; ts: string }> | null;
  /** Per number column: a common threshold (the median) and the 100th smallest value. */
  numbers: Record<string, { median: number; low: number | null; mostCommon: number | null }>;
}

const TYPE_OF_OP: Record<Operator, QueryType> = {
  eq: 'simple', ne: 'simple',
  gt: 'comparison', gte: 'comparison', lt: 'comparison', lte: 'comparison',
  in: 'in', not_in: 'in',
  contains: 'string', not_contains: 'string', starts_with: 'string', ends_with: 'string', regex: 'string',
  search: 'search',
};

/** Common text values and matches, from the seed catalogs (several percent of the table or more). */
const COMMON_TEXT: Readonly<Record<string, { eq?: string; contains: string; starts_with: string; ends_with: string; regex: string }>> = {
  trace_id: { contains: 'ab', starts_with: 'a', ends_with: 'f', regex: '^a' },
  span_id: { contains: 'ab', starts_with: 'a', ends_with: 'f', regex: '^a' },
  parent_span_id: { contains: 'ab', starts_with: 'a', ends_with: 'f', regex: '^a' },
  project_id: { eq: 'support-bot', contains: 'bot', starts_with: 'support', ends_with: 'bot', regex: '^support' },
  span_name: { eq: 'llm.chat.completion', contains: 'chat', starts_with: 'llm.', ends_with: '.completion', regex: '^llm\\.' },
  provider: { eq: 'openai', contains: 'open', starts_with: 'open', ends_with: 'ai', regex: '^open' },
  model: { eq: CHAT_MODELS[0]!.model, contains: 'gpt', starts_with: 'gpt-4o', ends_with: 'mini', regex: '^gpt' },
  input_text: { contains: 'the', starts_with: 'Classify this', ends_with: 'the?', regex: '^(What|How) ' },
  output_text: { contains: 'the', starts_with: 'Step 1', ends_with: 'be.', regex: '^The (main|answer)' },
  status_code: { eq: 'OK', contains: 'O', starts_with: 'O', ends_with: 'K', regex: '^O' },
  error_message: { contains: 'rate limit', starts_with: 'Rate limit', ends_with: 'ms', regex: 'timed out' },
  user_id: { eq: 'user_00000', contains: 'user_0', starts_with: 'user_', ends_with: '0', regex: '^user_0' },
  session_id: { contains: 'sess_', starts_with: 'sess_', ends_with: '0', regex: '^sess_' },
  environment: { eq: 'production', contains: 'prod', starts_with: 'prod', ends_with: 'tion', regex: '^prod' },
};

type F = Record<string, unknown>;
const leaf = (field: string, operator: string, value: unknown): F => ({ field, operator, value });
const and = (...filters: F[]): F => ({ operator: 'AND', filters });

/** Pairs the seed's structure makes disjoint, each side common on its own. */
const DISJOINT_PAIRS: readonly [string, F, F][] = [
  ['a model of another provider', leaf('provider', 'eq', 'anthropic'), leaf('model', 'eq', 'gpt-4o')],
  ['tool spans carry no provider', leaf('span_name', 'eq', 'tool.call'), leaf('provider', 'eq', 'openai')],
  ['failed calls have no token counts', leaf('status_code', 'eq', 'ERROR'), leaf('total_tokens', 'gte', 1)],
  ['embeddings complete no tokens', leaf('span_name', 'eq', 'llm.embedding'), leaf('completion_tokens', 'gte', 1)],
  ['retrieval spans stay UNSET', leaf('span_name', 'eq', 'retrieval.vector_search'), leaf('status_code', 'eq', 'OK')],
];

type Values = Partial<Record<Exclude<GeneratedVariant, 'disjoint'>, unknown>>;

const RARE_TEXT = new Set<string>(RARE_TEXT_COLUMNS);

function textValues(f: FieldDef, op: Operator, v: GeneratedValues): Values {
  const name = f.name;
  const common = COMMON_TEXT[name]!;
  const planted = RARE_TEXT.has(name);
  const idOf = (cls: RareClass) => {
    const ids = v.ids?.[cls];
    return ids === undefined ? undefined : (ids[name as 'trace_id' | 'span_id' | 'parent_span_id'] ?? undefined);
  };
  const rare = (cls: RareClass): string | undefined => (planted ? rareText(cls, name) : idOf(cls));
  const absent = `${ABSENT_TOKEN}-${name}`;
  const tok = (cls: RareClass) => (planted ? RARE_TOKEN[cls] : rare(cls));
  switch (op) {
    case 'eq':
      return { common: common.eq, rare: rare('spread'), rare_old: rare('old'), absent };
    case 'ne':
    case 'not_in':
    case 'not_contains':
      return { common: op === 'not_in' ? [absent] : op === 'ne' ? absent : ABSENT_TOKEN };
    case 'in': {
      const r = (cls: RareClass) => (rare(cls) === undefined ? undefined : [rare(cls), absent, `${absent}-2`]);
      return { common: common.eq === undefined ? undefined : [common.eq, absent], rare: r('spread'), rare_old: r('old'), absent: [absent, `${absent}-2`, `${absent}-3`] };
    }
    case 'contains':
      return { common: common.contains, rare: tok('spread'), rare_old: tok('old'), absent: ABSENT_TOKEN };
    case 'starts_with':
      return { common: common.starts_with, rare: planted ? `${RARE_TOKEN.spread}-` : rare('spread'), rare_old: planted ? `${RARE_TOKEN.old}-` : rare('old'), absent: ABSENT_TOKEN };
    case 'ends_with': {
      const end = (cls: RareClass) => (planted ? `${RARE_TOKEN[cls].slice(3)}-${name}` : rare(cls)?.slice(-12));
      return { common: common.ends_with, rare: end('spread'), rare_old: end('old'), absent: ABSENT_TOKEN };
    }
    case 'regex':
      return { common: common.regex, rare: `^${tok('spread') ?? ''}`, rare_old: `^${tok('old') ?? ''}`, absent: `^${ABSENT_TOKEN}` };
    case 'search':
      return { common: 'data', rare: RARE_TOKEN.spread, rare_old: RARE_TOKEN.old, absent: ABSENT_TOKEN };
    default:
      return {};
  }
}

function numberValues(f: FieldDef, op: Operator, v: GeneratedValues): Values {
  const n = v.numbers[f.name];
  const { spread, old } = RARE_NUMBER;
  switch (op) {
    case 'eq':
      return { common: n?.mostCommon ?? undefined, rare: spread, rare_old: old, absent: ABSENT_NUMBER };
    case 'ne':
      return { common: ABSENT_NUMBER };
    case 'not_in':
      return { common: [ABSENT_NUMBER, ABSENT_NUMBER - 1] };
    case 'in':
      return { common: n?.mostCommon == null ? undefined : [n.mostCommon, ABSENT_NUMBER], rare: [spread, ABSENT_NUMBER], rare_old: [old, ABSENT_NUMBER], absent: [ABSENT_NUMBER, ABSENT_NUMBER - 1, ABSENT_NUMBER - 2] };
    case 'gt':
    case 'gte':
      // gte spread also matches the old class (its number is higher): both are rare.
      return { common: n?.median, rare: op === 'gt' ? spread - 1 : spread, rare_old: op === 'gt' ? old - 1 : old, absent: ABSENT_NUMBER };
    case 'lt':
    case 'lte':
      // Low values are the data's own tail (nothing is planted below it): no clustered variant.
      return { common: n?.median, rare: n?.low == null ? undefined : op === 'lt' ? n.low + 1 : n.low, absent: op === 'lt' ? 0 : -1 };
    default:
      return {};
  }
}

function timeValues(op: Operator, v: GeneratedValues): Values {
  const lo = Date.parse(v.tsMin);
  const hi = Date.parse(v.tsMax);
  const at = (ms: number) => new Date(ms).toISOString();
  const span = hi - lo;
  const absentTs = at(lo - 86_400_000);
  switch (op) {
    case 'eq':
      return { rare: v.ids?.spread.ts, rare_old: v.ids?.old.ts, absent: absentTs };
    case 'ne':
      return { common: absentTs };
    case 'not_in':
      return { common: [absentTs] };
    case 'in':
      return { rare: v.ids === null ? undefined : [v.ids.spread.ts, absentTs], absent: [absentTs, at(hi + 86_400_000)] };
    case 'gt':
    case 'gte':
      return { common: at(lo + span / 10), rare: at(hi - span / 10_000), absent: at(hi + 86_400_000) };
    case 'lt':
    case 'lte':
      return { common: at(hi - span / 10), rare_old: at(lo + span / 10_000), absent: absentTs };
    default:
      return {};
  }
}

function tagValues(op: Operator): Values {
  const t = (cls: RareClass) => rareText(cls, 'tags');
  switch (op) {
    case 'eq':
      return { common: 'chat', rare: t('spread'), rare_old: t('old'), absent: ABSENT_TOKEN };
    case 'contains':
      return { common: ['chat'], rare: [t('spread')], rare_old: [t('old')], absent: [ABSENT_TOKEN] };
    case 'in':
      return { common: ['chat', 'rag'], rare: [t('spread'), ABSENT_TOKEN], rare_old: [t('old'), ABSENT_TOKEN], absent: [ABSENT_TOKEN, `${ABSENT_TOKEN}-2`] };
    case 'not_in':
      return { common: [ABSENT_TOKEN] };
    default:
      return { common: ABSENT_TOKEN };
  }
}

/** attributes.feature (a string the classes plant) and attributes.retry_count (a number). */
function attributeValues(key: string, op: Operator): Values {
  const text = key === RARE_ATTRIBUTE_TEXT;
  if (text) {
    const r = (cls: RareClass) => rareText(cls, 'attributes');
    switch (op) {
      case 'eq':
        return { common: 'chat', rare: r('spread'), rare_old: r('old'), absent: ABSENT_TOKEN };
      case 'in':
        return { common: ['chat', 'qa'], rare: [r('spread'), ABSENT_TOKEN], rare_old: [r('old'), ABSENT_TOKEN], absent: [ABSENT_TOKEN, `${ABSENT_TOKEN}-2`] };
      case 'ne':
      case 'not_contains':
        return { common: ABSENT_TOKEN };
      case 'not_in':
        return { common: [ABSENT_TOKEN] };
      case 'contains':
        return { common: 'a', rare: RARE_TOKEN.spread, rare_old: RARE_TOKEN.old, absent: ABSENT_TOKEN };
      case 'starts_with':
      case 'regex': {
        const p = op === 'regex' ? '^' : '';
        return { common: `${p}s`, rare: `${p}${RARE_TOKEN.spread}`, rare_old: `${p}${RARE_TOKEN.old}`, absent: `${p}${ABSENT_TOKEN}` };
      }
      case 'ends_with':
        return { common: 'e', rare: 'spread-attributes', rare_old: 'ancient-attributes', absent: ABSENT_TOKEN };
      default:
        return {};
    }
  }
  const { spread, old } = RARE_NUMBER;
  switch (op) {
    case 'eq':
      return { common: 0, rare: spread, rare_old: old, absent: ABSENT_NUMBER };
    case 'in':
      return { common: [0, 1], rare: [spread, ABSENT_NUMBER], rare_old: [old, ABSENT_NUMBER], absent: [ABSENT_NUMBER, ABSENT_NUMBER - 1] };
    case 'ne':
      return { common: ABSENT_NUMBER };
    case 'not_in':
      return { common: [ABSENT_NUMBER] };
    case 'gt':
    case 'gte':
      return { common: 0, rare: op === 'gt' ? spread - 1 : spread, rare_old: op === 'gt' ? old - 1 : old, absent: ABSENT_NUMBER };
    case 'lt':
    case 'lte':
      return { common: 1, absent: op === 'lt' ? 0 : -1 };
    default:
      return {};
  }
}

const ATTRIBUTE_OPS: Readonly<Record<string, readonly Operator[]>> = {
  [RARE_ATTRIBUTE_TEXT]: OPERATORS_BY_TYPE.attributes.filter((o) => !['gt', 'gte', 'lt', 'lte'].includes(o)),
  [RARE_ATTRIBUTE_NUMBER]: OPERATORS_BY_TYPE.attributes.filter((o) => ['eq', 'ne', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte'].includes(o)),
};

/** Search applies to the fields with their own vector; on other text fields it is the content search again. */
function operatorsOf(f: FieldDef): readonly Operator[] {
  return OPERATORS_BY_TYPE[f.type].filter((op) => op !== 'search' || f.vector !== undefined);
}

function valuesFor(f: FieldDef, op: Operator, v: GeneratedValues): Values {
  switch (f.type) {
    case 'text':
      return textValues(f, op, v);
    case 'integer':
    case 'decimal':
      return numberValues(f, op, v);
    case 'timestamp':
      return timeValues(op, v);
    case 'tags':
      return tagValues(op);
    default:
      return {};
  }
}

const NOTES: Record<Exclude<GeneratedVariant, 'disjoint'>, string> = {
  common: 'a value many spans carry',
  rare: 'about 0.01 %, spread over the whole time range',
  rare_old: 'about 0.01 %, all in the oldest tenth of the time range',
  absent: 'no span has it',
};

export function generatedShapes(v: GeneratedValues): GeneratedShape[] {
  const out: GeneratedShape[] = [];
  const push = (field: string, op: Operator, values: Values, path: ReturnType<typeof indexPath>) => {
    for (const variant of ['common', 'rare', 'rare_old', 'absent'] as const) {
      const value = values[variant];
      if (value === undefined) continue;
      out.push({
        name: `${field} ${op} ${variant}`,
        field,
        operator: op,
        variant,
        type: TYPE_OF_OP[op],
        body: { filter: leaf(field, op, value) },
        index: variant === 'common' ? null : path.index,
        note: `${NOTES[variant]}; ${path.note}`,
      });
    }
  };
  for (const f of FIELDS) {
    if (f.type === 'attributes') continue;
    for (const op of operatorsOf(f)) push(f.name, op, valuesFor(f, op, v), indexPath(f, op));
  }
  for (const [key, ops] of Object.entries(ATTRIBUTE_OPS)) {
    for (const op of ops) push(`${ATTRIBUTES_PREFIX}${key}`, op, attributeValues(key, op), indexPath('attribute', op));
  }
  push(CONTENT_FIELD, 'search', { common: 'data', rare: RARE_TOKEN.spread, rare_old: RARE_TOKEN.old, absent: ABSENT_TOKEN }, indexPath(CONTENT_FIELD, 'search'));
  for (const [why, a, b] of DISJOINT_PAIRS) {
    out.push({
      name: `${String(a.field)} ${String(a.operator)} ${JSON.stringify(a.value)} and ${String(b.field)} ${String(b.operator)} ${JSON.stringify(b.value)}`,
      field: `${String(a.field)}+${String(b.field)}`,
      operator: 'and',
      variant: 'disjoint',
      type: 'combined',
      body: { filter: and(a, b) },
      index: null,
      note: `each common, never together: ${why}`,
    });
  }
  return out;
}

const NUMBER_FIELDS = FIELDS.filter((f) => f.type === 'integer' || f.type === 'decimal');

/** Reads what only the data knows, with index lookups and planner statistics (milliseconds on 1M rows). */
export async function resolveGeneratedValues(db: Queryable): Promise<GeneratedValues> {
  const bounds = await db.query<{ lo: Date | string | null; hi: Date | string | null }>('SELECT min(ts) AS lo, max(ts) AS hi FROM llm_traces');
  const iso = (d: Date | string | null) => (d === null ? new Date(0).toISOString() : new Date(d).toISOString());
  const tsMin = iso(bounds.rows[0]?.lo ?? null);
  const tsMax = iso(bounds.rows[0]?.hi ?? null);
  const idRow = async (cls: RareClass) => {
    const r = await db.query<{ trace_id: string; span_id: string; parent_span_id: string | null; ts: Date | string }>(
      'SELECT trace_id, span_id, parent_span_id, ts FROM llm_traces WHERE user_id = $1 ORDER BY parent_span_id NULLS LAST, id LIMIT 1',
      [rareText(cls, 'user_id')],
    );
    const row = r.rows[0];
    return row === undefined ? null : { trace_id: row.trace_id, span_id: row.span_id, parent_span_id: row.parent_span_id, ts: iso(row.ts) };
  };
  const spread = await idRow('spread');
  const old = await idRow('old');
  const numbers: GeneratedValues['numbers'] = {};
  for (const f of NUMBER_FIELDS) {
    const stats = await db.query<{ mcv: string | null; hist: string | null }>(
      `SELECT (most_common_vals::text::text[])[1] AS mcv, (histogram_bounds::text::text[])[array_length(histogram_bounds::text::text[], 1) / 2 + 1] AS hist
         FROM pg_stats WHERE tablename = 'llm_traces' AND attname = $1`,
      [f.column],
    );
    const low = await db.query<{ v: string | null }>(`SELECT ${f.column}::text AS v FROM llm_traces WHERE ${f.column} IS NOT NULL ORDER BY ${f.column} OFFSET 100 LIMIT 1`);
    const s = stats.rows[0];
    const lowV = low.rows[0]?.v ?? null;
    // A low tail of ties (thousands of zeros) is not rare: no rare low value then.
    let lowN: number | null = lowV === null ? null : Number(lowV);
    if (lowN !== null) {
      const c = await db.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM llm_traces WHERE ${f.column} <= $1::numeric LIMIT 1001) s`, [lowN]);
      if (Number(c.rows[0]!.n) > 1000) lowN = null;
    }
    numbers[f.name] = {
      median: Number(s?.hist ?? 100),
      low: lowN,
      mostCommon: s?.mcv == null ? null : Number(s.mcv),
    };
  }
  return { tsMin, tsMax, ids: spread && old ? { spread, old } : null, numbers };
}

// The benchmark query shapes: for each query type of the latency table a
// search body in three selectivity variants. `common` is the friendly case any
// schema serves fast; `rare` (a user with a dozen spans, a word in a few
// hundred prompts, an error-message substring) and `nomatch` (an absent value,
// or two predicates that are each common but never true together) are the
// trap where a planner walking the time index and filtering row by row takes
// seconds. `npm run bench` runs them all; `tracelens doctor` explains them.
//
// Values come from the seed catalogs, so they are deterministic for seeded
// data; resolveShapeValues() confirms the rare ones with cheap index lookups
// and picks others if a differently sized seed made them common or absent.
import { CHAT_MODELS } from '../seed/catalog.js';
import { VOCABULARY } from '../seed/vocabulary.js';
import type { SearchBody } from '../query/request.js';
import type { Queryable } from '../storage/driver.js';

export const QUERY_TYPES = ['simple', 'comparison', 'in', 'string', 'search', 'nested', 'combined', 'large'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];
export const VARIANTS = ['common', 'rare', 'nomatch'] as const;
export type Variant = (typeof VARIANTS)[number];

export interface QueryShape {
  type: QueryType;
  variant: Variant;
  /** A POST /api/v1/traces/search body. */
  body: SearchBody;
  /** The index the plan is meant to use (docs/performance.md says why it exists). */
  index: string;
  /** What makes this variant what it is. */
  note: string;
}

export interface ShapeValues {
  /** Users with a handful of spans each (the first is the `rare` user). */
  rareUsers: readonly string[];
  /** A prompt word of the vocabulary's long tail: a few hundred spans at 1M rows. */
  rareWord: string;
}

/** Never generated: not a vocabulary word and no substring of any seeded text. */
export const ABSENT_WORD = 'xylophone';
/** Seeded user ids are user_00000 .. user_49999. */
export const ABSENT_USER = 'user_99999';
export const ABSENT_MODELS = ['gpt-5-turbo', 'claude-9-opus', 'gemini-9-ultra'] as const;

if (VOCABULARY.includes(ABSENT_WORD)) throw new Error(`${ABSENT_WORD} is in the seed vocabulary`);

// Power-law users (zipf s=1.1 over rows/25 users): at 1M rows the user at
// rank ~5000 has about a dozen spans.
export const DEFAULT_SHAPE_VALUES: ShapeValues = {
  rareUsers: ['user_05000', 'user_05001', 'user_05002', 'user_05003'],
  rareWord: VOCABULARY[VOCABULARY.length - 1]!,
};

const common = CHAT_MODELS.filter((m) => m.weight >= 15).map((m) => m.model);

type F = Record<string, unknown>;
const leaf = (field: string, operator: string, value: unknown): F => ({ field, operator, value });
const and = (...filters: F[]): F => ({ operator: 'AND', filters });
const or = (...filters: F[]): F => ({ operator: 'OR', filters });
const not = (filter: F): F => ({ operator: 'NOT', filters: [filter] });

/** Five levels: AND > OR > AND > OR > condition. */
function nested(top: F, branchA: [F, F], branchB: [F, F, F]): F {
  return and(top, or(and(...branchA), and(branchB[0], or(branchB[1], branchB[2]))), not(leaf('status_code', 'eq', 'ERROR')));
}

export function queryShapes(v: ShapeValues = DEFAULT_SHAPE_VALUES): QueryShape[] {
  const [u1, u2, u3] = [v.rareUsers[0]!, v.rareUsers[1] ?? v.rareUsers[0]!, v.rareUsers[2] ?? v.rareUsers[0]!];
  const s = (type: QueryType, variant: Variant, filter: F, index: string, note: string, extra: Partial<SearchBody> = {}): QueryShape => ({
    type,
    variant,
    body: { filter, ...extra },
    index,
    note,
  });
  return [
    s('simple', 'common', leaf('provider', 'eq', 'openai'), 'llm_traces_ts_idx', 'half of all spans'),
    s('simple', 'rare', leaf('user_id', 'eq', u1), 'llm_traces_user_ts_idx', 'a user with about a dozen spans'),
    s('simple', 'nomatch', leaf('user_id', 'eq', ABSENT_USER), 'llm_traces_user_ts_idx', 'a user that does not exist'),

    s('comparison', 'common', leaf('duration_ms', 'gte', 1000), 'llm_traces_ts_idx', 'about a third of spans'),
    s('comparison', 'rare', leaf('duration_ms', 'gte', 100_000), 'llm_traces_duration_idx', 'the 120 s timeouts: about 0.1 %'),
    s('comparison', 'nomatch', and(leaf('duration_ms', 'gt', 10_000_000), leaf('duration_ms', 'lt', 20_000_000)), 'llm_traces_duration_idx', 'a range no span falls in'),

    s('in', 'common', leaf('model', 'in', common), 'llm_traces_ts_idx', 'the three most used models'),
    s('in', 'rare', leaf('user_id', 'in', [u1, u2, u3]), 'llm_traces_user_ts_idx', 'three users with a dozen spans each'),
    s('in', 'nomatch', leaf('model', 'in', [...ABSENT_MODELS]), 'llm_traces_model_ts_idx', 'models that do not exist'),

    s('string', 'common', leaf('input_text', 'contains', 'summarize'), 'llm_traces_ts_idx', 'one prompt in ten'),
    s('string', 'rare', leaf('error_message', 'contains', 'content_filter'), 'llm_traces_error_message_trgm_idx', 'an error-message substring'),
    s('string', 'nomatch', leaf('input_text', 'starts_with', ABSENT_WORD), 'llm_traces_input_text_trgm_idx', 'a prefix no prompt has'),

    s('search', 'common', leaf('content', 'search', 'data'), 'llm_traces_ts_idx', 'a frequent word'),
    s('search', 'rare', leaf('content', 'search', v.rareWord), 'llm_traces_search_tsv_idx', 'a long-tail word'),
    s('search', 'nomatch', leaf('content', 'search', ABSENT_WORD), 'llm_traces_search_tsv_idx', 'a word no text contains'),

    s(
      'nested',
      'common',
      nested(
        leaf('environment', 'eq', 'production'),
        [leaf('provider', 'eq', 'openai'), leaf('duration_ms', 'gte', 300)],
        [leaf('provider', 'eq', 'anthropic'), leaf('model', 'starts_with', 'claude-3-5'), leaf('total_tokens', 'gte', 1000)],
      ),
      'llm_traces_ts_idx',
      'most production traffic',
    ),
    s(
      'nested',
      'rare',
      nested(
        leaf('user_id', 'in', [u1, u2]),
        [leaf('provider', 'eq', 'openai'), leaf('duration_ms', 'gte', 300)],
        [leaf('provider', 'eq', 'anthropic'), leaf('model', 'starts_with', 'claude-3-5'), leaf('total_tokens', 'gte', 1000)],
      ),
      'llm_traces_user_ts_idx',
      'the same tree limited to two rare users',
    ),
    s(
      'nested',
      'nomatch',
      nested(
        leaf('environment', 'eq', 'production'),
        [leaf('provider', 'eq', 'anthropic'), leaf('model', 'in', ['gpt-4o', 'gpt-4o-mini'])],
        [leaf('provider', 'eq', 'google'), leaf('model', 'eq', 'claude-3-opus-20240229'), leaf('model', 'eq', 'o3-mini')],
      ),
      'llm_traces_provider_model_idx',
      'provider and model each common, never together',
    ),

    s('combined', 'common', and(leaf('content', 'search', 'data'), leaf('provider', 'eq', 'openai'), leaf('duration_ms', 'gte', 200)), 'llm_traces_ts_idx', 'a frequent word from a frequent provider'),
    s('combined', 'rare', and(leaf('content', 'search', v.rareWord), leaf('provider', 'eq', 'openai')), 'llm_traces_search_tsv_idx', 'a long-tail word from a frequent provider'),
    s(
      'combined',
      'nomatch',
      and(leaf('content', 'search', 'data'), leaf('provider', 'eq', 'anthropic'), leaf('model', 'eq', 'gpt-4o')),
      'llm_traces_provider_model_idx',
      'a frequent word, provider and model never together',
    ),

    s('large', 'common', leaf('provider', 'eq', 'openai'), 'llm_traces_ts_idx', '1000 of half the spans', { limit: 1000 }),
    s('large', 'rare', leaf('status_code', 'eq', 'ERROR'), 'llm_traces_errors_ts_idx', '1000 of the 2 % failures', { limit: 1000 }),
    s('large', 'nomatch', leaf('model', 'eq', ABSENT_MODELS[0]), 'llm_traces_model_ts_idx', 'a model that does not exist', { limit: 1000 }),
  ];
}

export function shapeOf(type: QueryType, variant: Variant, v: ShapeValues = DEFAULT_SHAPE_VALUES): QueryShape {
  return queryShapes(v).find((s) => s.type === type && s.variant === variant)!;
}

/**
 * Confirms the rare values against the data with index lookups (milliseconds
 * once the 0002 indexes exist): users with 3..40 spans near the tail rank of
 * the power law, and a tail word found in 1..5000 spans.
 */
export async function resolveShapeValues(db: Queryable): Promise<ShapeValues> {
  const max = await db.query<{ u: string | null }>(`SELECT max(user_id) AS u FROM llm_traces WHERE user_id LIKE 'user\\_%'`);
  const top = Number((max.rows[0]?.u ?? '').slice(5));
  let rareUsers = DEFAULT_SHAPE_VALUES.rareUsers;
  if (Number.isInteger(top) && top > 0) {
    const start = Math.floor(top / 8);
    const candidates = Array.from({ length: 40 }, (_, i) => `user_${String(start + i).padStart(5, '0')}`);
    const res = await db.query<{ user_id: string; n: string }>(
      'SELECT user_id, count(*) AS n FROM llm_traces WHERE user_id = ANY($1::text[]) GROUP BY user_id ORDER BY user_id',
      [candidates],
    );
    const fit = res.rows.filter((r) => Number(r.n) >= 3 && Number(r.n) <= 40).map((r) => r.user_id);
    if (fit.length >= 3) rareUsers = fit.slice(0, 4);
  }
  let rareWord = DEFAULT_SHAPE_VALUES.rareWord;
  for (const w of VOCABULARY.slice(-5).reverse()) {
    const res = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM llm_traces WHERE search_tsv @@ websearch_to_tsquery('english', $1::text)`,
      [w],
    );
    const n = Number(res.rows[0]!.n);
    if (n >= 1 && n <= 5000) {
      rareWord = w;
      break;
    }
  }
  return { rareUsers, rareWord };
}

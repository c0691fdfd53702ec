// A deterministic fixture for the differential tests: NULLs everywhere they are
// allowed, ties in every sort column, unicode (astral and BMP-private-area
// characters, whose UTF-16 order differs from code point order), `%`, `_` and
// `\` in text, edge integers and decimals, tags and nested attributes whose
// types vary from row to row. Plus the value pools the generators draw from.
import type { SpanInput } from '../helpers/spans.js';

/** Words the english stemmer leaves unchanged (checked by the test), so a query word is its lexeme. */
export const VOCAB = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'tango', 'oscar', 'zulu', 'lima', 'sierra'];
const JUNK = ['50%', 'a_b', 'C:\\tmp', 'naïve', '日本語', 'ÉCOLE', 'the', 'x%y_z', '😀', 'Ω'];

export const TEXT_POOLS = {
  provider: ['openai', 'OpenAI', 'anthropic', 'Ωmega', '😀bot', '\uFF5Ewide', 'a%b', 'a_b', 'back\\slash', '', 'ß'],
  model: ['gpt-4o', 'gpt-4o-mini', 'GPT-4O', 'claude-3', 'mod%el', '_model', 'mo\\del', 'é'],
  status_code: ['OK', 'SUCCESS', 'ERROR', 'UNSET'],
  environment: ['production', 'staging', 'dev', 'Production'],
  user_id: ['user-1', 'user-2', 'USER-1', 'üser'],
  session_id: ['s1', 's2', 's%'],
  span_name: ['llm.chat.completion', 'embedding', 'tool.call'],
  error_message: ['timeout after 30s', 'rate_limit: 100%', 'Invalid \\ escape', 'ÉRROR bravo'],
} as const;

export const TAGS = ['prod', 'Prod', 'dev', 'a%', 'b_', 'ü', 'x'];
export const INTS = [0, 1, -1, 12, 15, 420, 2147483647, -2147483648, 1000];
export const DECIMALS = ['0', '0.1', '0.1000000001', '0.00006', '1234567890.0123456789', '-0.5', '100', '9999999999.9999999999'];
export const TIMESTAMPS = [
  '2026-01-01T00:00:00.000Z',
  '2026-01-01T00:00:00.001Z',
  '2026-01-01T12:30:00.000Z',
  '2026-01-02T00:00:00.000Z',
  '2025-12-31T23:59:59.999Z',
  '2026-03-15T08:00:00.500Z',
];
export const ATTR_PATHS = ['feature', 'n', 'flag', 'nested.tier', '"k.dot"', 'nested."a b"', 'arr', 'missing', 'nested', 'nil', 'nested.deep.x', 'note'];
// The last five: text the attribute prefilter of 0012 must see through (quotes, a backslash, non-ASCII case, the JSON-escaped form).
export const ATTR_VALUES: readonly (string | number | boolean)[] = ['qa', 'chat', 'QA', '5', 5, 5.0, 0, -1.5, 1e-7, 12.25, 3, true, false, 'true', 'pro', 'v', '', 'say "hi"', 'lash \\" quo', 'ÜNÏ', 'break %_', '\\"hi\\"'];
/** Values of `attributes.note`: quotes, backslashes, non-ASCII case pairs, a newline, wildcards, JSON-looking text. */
const NOTES = ['say "hi" to', 'back\\slash \\" quote', 'ünï ÜNÏ', 'line\nbreak %_', '{"json":"look"}', 'qa chat', 'SAY "HI"'];

/** Small seeded PRNG (mulberry32): the fixture is the same on every run and engine. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildFixture(count = 240): SpanInput[] {
  const r = rng(20261101);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T>(v: T, pNull = 0.2): T | null => (r() < pNull ? null : v);
  const text = () => {
    if (r() < 0.15) return null;
    if (r() < 0.05) return '';
    const n = 1 + Math.floor(r() * 7);
    return Array.from({ length: n }, () => (r() < 0.75 ? pick(VOCAB) : pick(JUNK))).join(r() < 0.1 ? '\n' : ' ');
  };
  const attributes = (): Record<string, unknown> => {
    const a: Record<string, unknown> = {};
    if (r() < 0.7) a.feature = pick(['qa', 'chat', 'QA', 'summarize', 5, true]);
    if (r() < 0.6) a.n = pick([5, 5.5, 0, -1.5, 1e-7, 12.25, '5', 3, 100000]);
    if (r() < 0.5) a.flag = pick([true, false, 'true', null]);
    if (r() < 0.6) a.nested = r() < 0.15 ? pick(['pro', [1, 2], 7]) : { tier: pick(['pro', 'free', 1, true, null]), 'a b': pick(['v', 'w']), ...(r() < 0.3 ? { deep: { x: pick(['qa', 3]) } } : {}) };
    if (r() < 0.3) a['k.dot'] = pick(['v', 'qa', 5]);
    if (r() < 0.2) a.arr = pick([['qa', 'chat'], [5], []]);
    if (r() < 0.2) a.nil = null;
    if (r() < 0.5) a.note = pick(NOTES);
    return a;
  };
  return Array.from({ length: count }, (_, i) => {
    const prompt = maybe(pick(INTS.filter((x) => x >= 0)));
    return {
      ts: pick(TIMESTAMPS),
      trace_id: `t-${i % 37}`,
      span_id: `s-${i}`,
      parent_span_id: maybe(`s-${Math.floor(r() * i)}`, 0.5),
      project_id: r() < 0.8 ? 'proj-a' : 'proj-b',
      span_name: pick(TEXT_POOLS.span_name),
      provider: maybe(pick(TEXT_POOLS.provider)),
      model: maybe(pick(TEXT_POOLS.model)),
      input_text: text(),
      output_text: text(),
      prompt_tokens: prompt,
      completion_tokens: maybe(pick(INTS)),
      total_tokens: maybe(pick(INTS)),
      prompt_cost_usd: maybe(pick(DECIMALS)),
      completion_cost_usd: maybe(pick(DECIMALS)),
      total_cost_usd: maybe(pick(DECIMALS), 0.25),
      duration_ms: pick([0, 1, 420, 420, 1000, 2147483647]),
      ttft_ms: maybe(pick([0, 1, 120, 120, 5000]), 0.3),
      status_code: pick(TEXT_POOLS.status_code),
      error_message: maybe(pick(TEXT_POOLS.error_message), 0.6),
      user_id: maybe(pick(TEXT_POOLS.user_id)),
      session_id: maybe(pick(TEXT_POOLS.session_id)),
      environment: maybe(pick(TEXT_POOLS.environment)),
      tags: TAGS.filter(() => r() < 0.25),
      attributes: attributes(),
    };
  });
}

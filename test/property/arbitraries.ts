// fast-check generators of valid wire filter trees over the fixture's value
// pools, so that generated predicates actually match some rows (and some not).
import fc from 'fast-check';
import type { WireNode } from '../helpers/evaluator.js';
import { ATTR_PATHS, ATTR_VALUES, DECIMALS, INTS, TAGS, TEXT_POOLS, TIMESTAMPS, VOCAB } from './fixture.js';

const FRAGMENTS = ['gpt', 'o', '%', '_', '\\', 'Ω', 'OPEN', 'ä', 'É', 'é', 'a%', '_m', '\\s', '', 'alpha', 'ALPHA', '😀', '\uFF5E', 'bravo e', 'ß', 'naÏve', 'x%y'];
// Patterns that mean the same in POSIX AREs (PostgreSQL) and JavaScript with the `su` flags.
const REGEXES = ['^gpt', 'o$', 'gpt-4o', 'a.b', '[Oo]pen', '^(openai|anthropic)$', '\\\\', 'Ω', '😀', '^$', 'alpha.*bravo', 'x?y', '[0-9]+', 'e{2}', '^.{3}$', '[^a-z]', 'ü|é', '\\d', 'a_b', '%'];

const TEXT_FIELDS: Record<string, readonly string[]> = {
  ...TEXT_POOLS,
  input_text: VOCAB,
  output_text: VOCAB,
  trace_id: ['t-1', 't-2', 'T-1'],
};
const INT_FIELDS = ['prompt_tokens', 'completion_tokens', 'total_tokens', 'duration_ms', 'ttft_ms'];
const DEC_FIELDS = ['prompt_cost_usd', 'completion_cost_usd', 'total_cost_usd'];
const DEC_VALUES = [...DECIMALS.map(Number), 0.05, 1e-7, 1e20, -1, 0.00006000000001];
const TS_VALUES = [...TIMESTAMPS, '2026-01-01T01:00:00+01:00', '2026-01-01', '2026-01-01T12:30:00.000-00:30'];

const leaf = (field: fc.Arbitrary<string>, op: fc.Arbitrary<string>, value: (op: string) => fc.Arbitrary<unknown>) =>
  fc.tuple(field, op).chain(([f, o]) => value(o).map((v): WireNode => ({ field: f, operator: o, value: v })));

const list = <T>(xs: readonly T[]) => fc.array(fc.constantFrom(...xs), { minLength: 1, maxLength: 4 });
const casing = (op: string) => fc.constantFrom(op, op.toUpperCase());

/** Web-search text in the subset the evaluator implements. */
export const searchText = fc
  .array(
    fc.array(
      fc.oneof(
        fc.constantFrom(...VOCAB),
        fc.constantFrom(...VOCAB).map((w) => `-${w}`),
        fc.tuple(fc.constantFrom(...VOCAB), fc.constantFrom(...VOCAB)).map(([a, b]) => `"${a} ${b}"`),
      ),
      { minLength: 1, maxLength: 3 },
    ).map((atoms) => atoms.join(' ')),
    { minLength: 1, maxLength: 2 },
  )
  .map((clauses) => clauses.join(' or '));

const textLeaf = fc.constantFrom(...Object.keys(TEXT_FIELDS)).chain((field) => {
  const pool = TEXT_FIELDS[field]!;
  return leaf(fc.constant(field), fc.constantFrom('eq', 'ne', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'regex', 'search'), (op) => {
    if (op === 'eq' || op === 'ne') return fc.oneof(fc.constantFrom(...pool), fc.constant(null));
    if (op === 'in' || op === 'not_in') return list(pool);
    if (op === 'regex') return fc.constantFrom(...REGEXES);
    if (op === 'search') return searchText;
    return fc.oneof(fc.constantFrom(...FRAGMENTS), fc.constantFrom(...pool));
  });
});

const numericLeaf = (fields: readonly string[], values: readonly number[], nullable = true) =>
  leaf(fc.constantFrom(...fields), fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in'), (op) => {
    if (op === 'in' || op === 'not_in') return list(values);
    if ((op === 'eq' || op === 'ne') && nullable) return fc.oneof(fc.constantFrom(...values), fc.constant(null));
    return fc.constantFrom(...values);
  });

const tsLeaf = leaf(fc.constant('ts'), fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in'), (op) =>
  op === 'in' || op === 'not_in' ? list(TS_VALUES) : fc.constantFrom(...TS_VALUES),
);

const tagsLeaf = leaf(fc.constant('tags'), fc.constantFrom('eq', 'ne', 'in', 'not_in', 'contains', 'not_contains'), (op) =>
  op === 'in' || op === 'not_in' ? list(TAGS) : op === 'eq' || op === 'ne' ? fc.constantFrom(...TAGS) : fc.oneof(fc.constantFrom(...TAGS), list(TAGS)),
);

const attrLeaf = leaf(
  fc.constantFrom(...ATTR_PATHS).map((p) => `attributes.${p}`),
  fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'regex'),
  (op) => {
    if (op === 'eq' || op === 'ne') return fc.oneof(fc.constantFrom(...ATTR_VALUES), fc.constant(null));
    if (op === 'in' || op === 'not_in') return list(ATTR_VALUES);
    if (['gt', 'gte', 'lt', 'lte'].includes(op)) return fc.constantFrom(...ATTR_VALUES.filter((v): v is number => typeof v === 'number'));
    if (op === 'regex') return fc.constantFrom(...REGEXES);
    return fc.oneof(fc.constantFrom(...ATTR_VALUES.filter((v): v is string => typeof v === 'string')), fc.constantFrom(...FRAGMENTS));
  },
);

const searchLeaf = leaf(fc.constantFrom('content', 'input_text', 'output_text', 'error_message'), fc.constant('search'), () => searchText);

export const leafArb: fc.Arbitrary<WireNode> = fc.oneof(
  { weight: 4, arbitrary: textLeaf },
  { weight: 2, arbitrary: numericLeaf(INT_FIELDS, INTS) },
  { weight: 2, arbitrary: numericLeaf(DEC_FIELDS, DEC_VALUES) },
  { weight: 1, arbitrary: tsLeaf },
  { weight: 2, arbitrary: tagsLeaf },
  { weight: 3, arbitrary: attrLeaf },
  { weight: 1, arbitrary: searchLeaf },
);

/** Trees up to 5 levels deep with AND / OR / NOT in any letter case. */
export const filterArb: fc.Arbitrary<WireNode> = fc.letrec<{ node: WireNode; group: WireNode; not: WireNode }>((tie) => ({
  node: fc.oneof({ maxDepth: 4, depthIdentifier: 'tree' }, leafArb, tie('group'), tie('not')),
  group: fc.record({
    operator: fc.constantFrom('and', 'or').chain(casing),
    filters: fc.array(tie('node'), { minLength: 1, maxLength: 4, depthIdentifier: 'tree' }),
  }),
  not: fc.record({ operator: casing('not'), filters: tie('node').map((n) => [n]) }),
})).node;

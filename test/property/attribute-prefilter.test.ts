// The attribute prefilters of migration 0012 are implied by the exact
// predicate, for every input: a text match ANDs an ILIKE over every string
// value of the document (tracelens_attribute_strings), a range an EXISTS on
// the side table of numbers. If some document satisfied the exact predicate
// but not its prefilter, the indexed form would lose that row. Documents full
// of quotes, backslashes, LIKE wildcards, newlines, astral and combining
// characters and look-alike escapes (`\u0022` as text), keys with dots and
// quotes, nesting, arrays; values drawn from substrings of the documents'
// own strings so that most predicates match something. Both engines.
//
// How: the compiler gives a negated predicate no prefilter, so
// `NOT (<negated form>)` is exactly "the exact predicate is true", and the
// positive form is "prefilter AND exact": the two must select the same rows.
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { compileNode, SqlParams } from '../../src/query/compile.js';
import { normalize } from '../../src/query/normalize.js';
import { requiredLiteral } from '../../src/query/regex-check.js';
import { validateFilter } from '../../src/query/validate.js';
import { describeEachBackend } from '../helpers/backends.js';
import { insertSpans, span } from '../helpers/spans.js';

const RUNS = Number(process.env.PREFILTER_RUNS ?? 60);
const BATCH = 20;
const SEED = 20261201;

/** Characters that break naive renderings: JSON escapes, LIKE wildcards, regex metacharacters, case pairs, astral. */
const ATOMS = ['"', '\\', '\\"', '\\\\', '%', '_', '\n', '\t', '\\u0022', '\\n', 'a', 'A', 'ab', 'abc', 'Abc', 'é', 'É', 'ß', 'ǅ', 'e\u0301', '😀', '\uFF5E', ' ', '.', '*', '[', ']', '^', '$', '(', ')', '{', '}', '|', '?', '+', 'x', 'yz', 'xyz', '0', '1.5'];
const text = fc.array(fc.constantFrom(...ATOMS), { maxLength: 8 }).map((xs) => xs.join(''));
const KEYS = ['a', 'b', 'k.dot', 'q"uote', 'back\\slash', 'é', 'n'];
const leafValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 3, arbitrary: fc.constantFrom(0, 1, -1, 1.5, -2.25, 1e-7, 1e20, 7, 12345678901234567000) },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
);
const doc: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ obj: Record<string, unknown>; value: unknown }>((tie) => ({
  obj: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4, depthIdentifier: 'doc' }),
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'doc' },
    leafValue,
    tie('obj'),
    fc.array(leafValue, { maxLength: 3 }),
  ),
})).obj;

const quoteKey = (k: string) => (/^[A-Za-z0-9_é]+$/.test(k) ? k : JSON.stringify(k));
const path = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }).map((ks) => `attributes.${ks.map(quoteKey).join('.')}`);
const TEXT_OPS = ['contains', 'starts_with', 'ends_with'] as const;
const RANGE_OPS = ['gt', 'gte', 'lt', 'lte'] as const;
const REGEXES = ['^abc', 'abc$', 'a\\"b', '\\\\', 'x.z', 'xyz*', 'ab?c', 'abc+', '^"', '\\.5', '(?i)^ABC', '***=a%b', 'é|ß', '[xy]z', 'yz{2}', '^😀', 'e\u0301', '\\d', 'xyz\\y'];

interface Leaf {
  path: string[];
  value: unknown;
}

/** Every value reachable through object keys alone (what a key path can address), with its path. */
function leaves(docs: readonly Record<string, unknown>[]): Leaf[] {
  const out: Leaf[] = [];
  const walk = (v: unknown, p: string[]) => {
    if (p.length > 0) out.push({ path: p, value: v });
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  docs.forEach((d) => walk(d, []));
  return out;
}

const fieldOf = (p: readonly string[]) => `attributes.${p.map(quoteKey).join('.')}`;

/**
 * Predicates that hold for some document: a prefix, a suffix or a middle of a
 * string at its own path (in another letter case half the time), a bound at
 * or around a number at its path.
 */
function targeted(all: readonly Leaf[]): fc.Arbitrary<[string, string, unknown]> {
  const strings = all.filter((l) => typeof l.value === 'string' && l.value.length > 0);
  const numbers = all.filter((l) => typeof l.value === 'number');
  const text = fc.tuple(fc.constantFrom(...strings), fc.constantFrom(...TEXT_OPS), fc.nat(), fc.nat(), fc.boolean()).map(([l, op, a, b, upper]): [string, string, unknown] => {
    const cps = Array.from(l.value as string);
    const from = op === 'starts_with' ? 0 : a % cps.length;
    const to = op === 'ends_with' ? cps.length : from + 1 + (b % (cps.length - from));
    const piece = cps.slice(op === 'ends_with' ? a % cps.length : from, to).join('');
    return [fieldOf(l.path), op, upper ? piece.toUpperCase() : piece];
  });
  const range = fc.tuple(fc.constantFrom(...numbers), fc.constantFrom(...RANGE_OPS), fc.constantFrom(-1, 0, 0, 1)).map(([l, op, d]): [string, string, unknown] => [fieldOf(l.path), op, (l.value as number) + d]);
  const regex = fc.tuple(fc.constantFrom(...strings), fc.nat()).map(([l, a]): [string, string, unknown] => {
    const cps = Array.from(l.value as string);
    const esc = (s: string) => s.replace(/[\\^$.[\]()*+?{}|]/g, '\\$&');
    return [fieldOf(l.path), 'regex', `^${esc(cps.slice(0, 1 + (a % cps.length)).join(''))}`];
  });
  return fc.oneof(text, range, regex);
}

describeEachBackend('attribute prefilters are implied by the exact predicate', (backend) => {
  let all: Leaf[] = [];

  beforeAll(async () => {
    const docs = fc.sample(doc, { numRuns: 160, seed: SEED });
    await backend().driver.transaction(async (tx) => insertSpans(tx, docs.map((attributes) => span({ attributes }))));
    all = leaves(docs);
  });

  it('selects the same rows with and without the prefilter, for text matches, regexes and ranges', async () => {
    const leaf = fc.oneof(
      { weight: 3, arbitrary: targeted(all) },
      fc.tuple(path, fc.constantFrom(...TEXT_OPS), text),
      fc.tuple(path, fc.constant('regex' as const), fc.constantFrom(...REGEXES)),
      fc.tuple(path, fc.constantFrom(...RANGE_OPS), fc.constantFrom(-1, 0, 1, 1.5, 7, 1e-7, 1e20, -2.25)),
    );
    let matched = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(leaf, { minLength: BATCH, maxLength: BATCH }), async (leaves) => {
        const params = new SqlParams();
        const parts = leaves.map(([field, operator, value], i) => {
          const positive = normalize(validateFilter({ field, operator, value }));
          const negated = normalize(validateFilter({ operator: 'not', filters: [{ field, operator, value }] }));
          return (
            `SELECT ${i} AS q, 'p' AS form, id FROM llm_traces WHERE ${compileNode(positive, params)}` +
            ` UNION ALL SELECT ${i}, 'e', id FROM llm_traces WHERE NOT (${compileNode(negated, params)})`
          );
        });
        const res = await backend().driver.query<{ q: number; form: string; id: string }>(parts.join(' UNION ALL '), params.values);
        leaves.forEach((l, i) => {
          const ids = (form: string) => res.rows.filter((r) => r.q === i && r.form === form).map((r) => Number(r.id)).sort((a, b) => a - b);
          expect({ leaf: l, ids: ids('p') }).toEqual({ leaf: l, ids: ids('e') });
          if (ids('e').length > 0) matched++;
        });
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // The generator must produce predicates that hold somewhere, or it proves nothing.
    expect(matched).toBeGreaterThan(RUNS * BATCH * 0.3);
  });

  it('a string that matches a regex contains its required literal (PostgreSQL decides the match)', async () => {
    const patterns = fc.array(fc.constantFrom('a', 'b', 'ab', '"', '\\\\', '\\.', '.', '*', '+', '?', '{2}', '^', '$', '[ab]', '(', ')', '(?:', 'é', '😀', '\\d', '\\y', '|'), { minLength: 1, maxLength: 6 })
      .map((xs) => xs.join(''));
    const subjects = fc.array(fc.constantFrom('a', 'b', 'ab', '"', '\\', '.', 'é', '😀', 'x', '\n'), { maxLength: 10 }).map((xs) => xs.join(''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(patterns, subjects), { minLength: BATCH, maxLength: BATCH }), async (pairs) => {
        for (const [p, s] of pairs) {
          let matches: boolean;
          try {
            matches = (await backend().driver.query<{ m: boolean }>(`SELECT $1::text COLLATE "C" ~ $2::text AS m`, [s, p])).rows[0]!.m;
          } catch {
            continue; // not a valid ARE: PostgreSQL refuses it whatever the prefilter
          }
          if (matches) expect({ p, s, contains: s.includes(requiredLiteral(p)) }).toEqual({ p, s, contains: true });
        }
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED },
    );
  });
});

// Differential property tests: thousands of random filter trees run through
// the real pipeline (validate -> normalize -> compile -> database) on both
// engines must select exactly the rows the reference evaluator selects, and
// random sort + limit paging with cursors must return the evaluator's ordered
// list exactly, with nothing skipped or repeated.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { principalFromClaims } from '../../src/auth/tokens.js';
import { compileNode, SqlParams } from '../../src/query/compile.js';
import { SORT_FIELDS } from '../../src/query/fields.js';
import { normalize } from '../../src/query/normalize.js';
import { searchRequestFromBody } from '../../src/traces/search-request.js';
import { validateFilter } from '../../src/query/validate.js';
import { executeSearch } from '../../src/traces/search-service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { evaluate, parseTsvector, sortRows, type EvalRow} from '../helpers/evaluator.js';
import { insertSpans } from '../helpers/spans.js';
import { filterArb } from './arbitraries.js';
import { buildFixture, TIMESTAMPS, VOCAB } from './fixture.js';

/** Filter cases per engine per run: RUNS batches of BATCH trees, one round trip per batch. */
const BATCH = 25;
const RUNS = Number(process.env.DIFF_RUNS ?? 100);
const PAGING_RUNS = Number(process.env.DIFF_PAGING_RUNS ?? 40);
const SEED = process.env.DIFF_SEED === undefined ? undefined : Number(process.env.DIFF_SEED);
const cursorKey = new Uint8Array(32).fill(7);
const admin = principalFromClaims({ sub: 'differential', role: 'admin', exp: 0 });

describeEachBackend('differential: filter DSL vs reference evaluator', (backend) => {
  let rows: EvalRow[] = [];
  let cases = 0;
  // How selective the generated filters are: a generator that only ever matches nothing (or everything) proves little.
  const spread = { none: 0, some: 0, all: 0 };
  let pages = 0;

  beforeAll(async () => {
    const spans = buildFixture();
    const db = backend().driver;
    await db.transaction(async (tx) => insertSpans(tx, spans));
    const res = await db.query<{ id: number; span_id: string; i: string; o: string; c: string }>(
      'SELECT id, span_id, input_tsv::text AS i, output_tsv::text AS o, search_tsv::text AS c FROM llm_traces',
    );
    const bySpan = new Map(spans.map((s) => [s.span_id, s]));
    rows = res.rows.map((r) => ({
      ...bySpan.get(r.span_id)!,
      id: Number(r.id),
      vectors: { input: parseTsvector(r.i), output: parseTsvector(r.o), combined: parseTsvector(r.c) },
    }));
  });

  afterAll(() => {
    // The closing note of the query engine quotes this figure.
    console.info(`[differential ${backend().name}] ${cases} filter cases (matching none/some/all rows: ${spread.none}/${spread.some}/${spread.all}), ${PAGING_RUNS} paging runs, ${pages} pages`);
  });

  it('search words are their own lexemes (the evaluator relies on it)', async () => {
    const res = await backend().driver.query<{ v: string }>(`SELECT to_tsvector('english', $1::text)::text AS v`, [VOCAB.join(' ')]);
    expect(res.rows[0]!.v).toBe(VOCAB.map((w, i) => ({ w, i })).sort((a, b) => (a.w < b.w ? -1 : 1)).map(({ w, i }) => `'${w}':${i + 1}`).join(' '));
  });

  it(`selects exactly the evaluator's rows for ${BATCH * RUNS} random filter trees`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(filterArb, { minLength: BATCH, maxLength: BATCH }), async (filters) => {
        const params = new SqlParams();
        const sql = filters
          .map((f, i) => `SELECT ${i} AS q, id FROM llm_traces WHERE ${compileNode(normalize(validateFilter(f)), params)}`)
          .join(' UNION ALL ');
        const res = await backend().driver.query<{ q: number; id: number }>(sql, params.values);
        const got = filters.map(() => [] as number[]);
        for (const r of res.rows) got[r.q]!.push(Number(r.id));
        filters.forEach((f, i) => {
          const want = rows.filter((row) => evaluate(f, row)).map((row) => row.id).sort((a, b) => a - b);
          expect({ filter: f, ids: got[i]!.sort((a, b) => a - b) }).toEqual({ filter: f, ids: want });
          if (want.length === 0) spread.none++;
          else if (want.length === rows.length) spread.all++;
          else spread.some++;
        });
        cases += filters.length;
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    expect(cases).toBeGreaterThanOrEqual(BATCH * RUNS);
    expect(spread.some).toBeGreaterThan(cases / 2);
  });

  it('pages with cursors to exactly the evaluator\'s ordered list, for every sort field', async () => {
    const bound = fc.option(fc.constantFrom(...TIMESTAMPS), { nil: null });
    await fc.assert(
      fc.asyncProperty(
        fc.option(filterArb, { nil: null, freq: 3 }),
        fc.constantFrom(...SORT_FIELDS.map((f) => f.name)),
        fc.boolean(),
        fc.integer({ min: 4, max: 90 }),
        bound,
        bound,
        async (filter, sortBy, desc, limit, from, to) => {
          const body = { filter, sort_by: sortBy, sort_desc: desc, limit, fields: ['span_id'], from, to };
          const req = searchRequestFromBody(body, admin);
          const got: string[] = [];
          let cursor: string | null = null;
          for (let page = 0; page < 100; page++) {
            const res = await executeSearch(backend().driver, { ...req, cursor }, { cursorKey });
            pages++;
            expect(res.rows.length).toBeLessThanOrEqual(limit);
            got.push(...res.rows.map((r) => r.span_id as string));
            cursor = res.cursor;
            if (!res.hasMore) break;
            expect(res.rows.length).toBe(limit);
          }
          const inRange = (r: EvalRow) =>
            (from === null || Date.parse(r.ts!) >= Date.parse(from)) && (to === null || Date.parse(r.ts!) < Date.parse(to));
          const want = sortRows(rows.filter((r) => inRange(r) && (filter === null || evaluate(filter, r))), sortBy, desc);
          expect(got).toEqual(want.map((r) => r.span_id));
        },
      ),
      { numRuns: PAGING_RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    // Most runs must really page (several cursors), or the property proves little.
    // (Typically ~4 pages a run; the bound is loose so a random low draw cannot fail the suite.)
    expect(pages).toBeGreaterThan(PAGING_RUNS);
  });
});

// The indexes of migration 0002 are usable by the SQL the compiler emits, on
// both engines. The planner is pushed off the alternatives (sequential scans,
// plain index walks, sorts) so a plan names the index only if the index can
// serve the expression; a collation mismatch or a NULLS-order mismatch fails.
import { createHash } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { compileMetricsQuery } from '../../src/analytics/compile-metrics.js';
import { metricsRequestFromBody, type MetricsBody } from '../../src/analytics/metrics-request.js';
import { planMetricsQuery } from '../../src/analytics/planner.js';
import type { SearchBody } from '../../src/query/request.js';
import { searchRequestFromBody } from '../../src/traces/search-request.js';
import { buildPageSql } from '../../src/traces/page-sql.js';
import { describeEachBackend } from '../helpers/backends.js';
import { principal } from '../helpers/principal.js';
import { SORT_NODE, withSchemaIndexNames } from '../helpers/partitions.js';
import { insertSpans, span } from '../helpers/spans.js';

const admin = principal('admin', 'all');

describeEachBackend('query plans use the 0002 indexes', (backend) => {
  beforeAll(async () => {
    await insertSpans(backend().driver, Array.from({ length: 30 }, (_, i) => span({ user_id: `u${i % 7}`, error_message: i % 5 ? null : 'Rate limit reached' })));
    await backend().driver.query('ANALYZE llm_traces');
  });

  async function plan(body: SearchBody, settings: string[], p = admin): Promise<string> {
    const { sql, params } = buildPageSql(searchRequestFromBody(body, p), { from: null, to: null }, null);
    return backend().driver.transaction(async (tx) => {
      for (const s of settings) await tx.query(`SET LOCAL ${s} = off`);
      const res = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
      // Partitions' indexes by the schema index they belong to.
      return withSchemaIndexNames(tx, res.rows.map((r) => r['QUERY PLAN']).join('\n'));
    });
  }

  it('reads a time-ordered page from an index, for all projects and for one, without sorting', async () => {
    for (const p of [admin, principal('viewer', ['proj-a'])]) {
      const text = await plan({ filter: { field: 'provider', operator: 'eq', value: 'openai' } }, ['enable_seqscan', 'enable_bitmapscan', 'enable_sort'], p);
      expect(text).not.toMatch(SORT_NODE);
      expect(text).toMatch(/llm_traces_(project_)?ts_idx/);
    }
  });

  it('runs an equality on user_id through its index, already in page order', async () => {
    const text = await plan({ filter: { field: 'user_id', operator: 'eq', value: 'u3' } }, ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']);
    expect(text).toContain('llm_traces_user_ts_idx');
    expect(text).not.toMatch(SORT_NODE);
  });

  it('runs contains, starts_with, ends_with and regex through the trigram indexes', async () => {
    const cases: [string, string, string][] = [
      ['input_text', 'contains', 'capital'],
      ['output_text', 'starts_with', 'Paris'],
      ['error_message', 'ends_with', 'reached'],
      ['input_text', 'regex', 'capital of [A-Z]'],
    ];
    for (const [field, operator, value] of cases) {
      const text = await plan({ filter: { field, operator, value } }, ['enable_seqscan', 'enable_indexscan']);
      expect(text, `${field} ${operator}`).toContain(`llm_traces_${field}_trgm_idx`);
    }
  });

  it('runs tags contains through the tags index and errors through the partial index', async () => {
    expect(await plan({ filter: { field: 'tags', operator: 'contains', value: 'chat' } }, ['enable_seqscan', 'enable_indexscan'])).toContain('llm_traces_tags_idx');
    expect(await plan({ filter: { field: 'status_code', operator: 'eq', value: 'ERROR' } }, ['enable_seqscan', 'enable_bitmapscan', 'enable_sort'])).toContain('llm_traces_errors_ts_idx');
  });
});

// Migration 0012: the pairs the index map used to leave without an index.
// Rare and absent values of each must plan through the index the map names
// (the alternatives are pushed off, as above), on both engines. 5,000 spans
// made by SQL (random hex ids as in real data): on a few dozen rows a bitmap
// over the whole partial btree of parent ids costs less than any lookup.
describeEachBackend('query plans use the 0012 indexes', (backend) => {
  beforeAll(async () => {
    await backend().driver.query(
      `INSERT INTO llm_traces (ts, trace_id, span_id, parent_span_id, project_id, span_name, duration_ms, status_code, attributes)
       SELECT timestamptz '2026-11-02T00:00:00Z' + i * interval '1 second', md5(i::text), left(md5('s' || i), 16),
              CASE WHEN i % 3 > 0 THEN left(md5('p' || i), 16) END, 'proj-a', 'llm.chat.completion', i % 700, 'OK',
              jsonb_build_object('feature', CASE WHEN i % 1000 = 7 THEN 'qzvspread-attributes' ELSE 'chat' END,
                                 'retry_count', CASE WHEN i % 1000 = 7 THEN 10000000 ELSE i % 3 END,
                                 'user', jsonb_build_object('tier', CASE WHEN i % 2 = 0 THEN 'pro' ELSE 'free' END))
         FROM generate_series(1, 5000) AS i`,
    );
    // VACUUM merges the GIN pending lists (the service's merger does it every second).
    await backend().driver.query('VACUUM ANALYZE llm_traces');
    await backend().driver.query('ANALYZE llm_trace_attribute_numbers');
  });

  async function plan(body: SearchBody, settings: string[]): Promise<string> {
    const { sql, params } = buildPageSql(searchRequestFromBody(body, admin), { from: null, to: null }, null);
    return backend().driver.transaction(async (tx) => {
      for (const s of settings) await tx.query(`SET LOCAL ${s} = off`);
      const res = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
      return withSchemaIndexNames(tx, res.rows.map((r) => r['QUERY PLAN']).join('\n'));
    });
  }

  it('runs contains, starts_with, ends_with and regex on the three id columns through one trigram index', async () => {
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    // A span whose ids all start with a letter: ILIKE's fixed prefix stops at
    // the first letter (either case matches it), so no btree range helps, as
    // for most ids (a run of digits first reads 1/16 of the index per digit).
    const i = Array.from({ length: 5000 }, (_, k) => k + 1).find((k) => k % 3 > 0 && [md5(String(k)), md5(`s${k}`), md5(`p${k}`)].every((h) => /^[a-f]/.test(h)))!;
    const ids: Record<string, string> = { trace_id: md5(String(i)), span_id: md5(`s${i}`).slice(0, 16), parent_span_id: md5(`p${i}`).slice(0, 16) };
    for (const [field, id] of Object.entries(ids)) {
      for (const [operator, value] of [['contains', id], ['contains', 'xylophone'], ['starts_with', id], ['ends_with', id.slice(-12)], ['regex', `^${id}`], ['regex', '^xylophone']] as const) {
        const text = await plan({ filter: { field, operator, value } }, ['enable_seqscan', 'enable_indexscan']);
        // A prefix (starts_with, an anchored regex) may also be a range of the id's own btree
        // where the database's collation allows it (C: the embedded engine), as the index map says.
        const want = operator === 'starts_with' || operator === 'regex' ? new RegExp(`llm_traces_(ids_trgm|${field})_idx`) : /llm_traces_ids_trgm_idx/;
        expect(text, `${field} ${operator} ${value}\n${text}`).toMatch(want);
      }
    }
  });

  it('runs attribute text matches through the trigram index on every string value', async () => {
    for (const [operator, value] of [['contains', 'qzvspread'], ['starts_with', 'qzvspread'], ['ends_with', 'spread-attributes'], ['regex', '^qzvspread'], ['contains', 'xylophone']] as const) {
      const text = await plan({ filter: { field: 'attributes.feature', operator, value } }, ['enable_seqscan', 'enable_indexscan']);
      expect(text, operator).toContain('llm_traces_attribute_strings_trgm_idx');
    }
  });

  it('runs attribute ranges through the side table of numbers, on any key path', async () => {
    for (const [field, operator, value] of [['attributes.retry_count', 'gte', 10_000_000], ['attributes.retry_count', 'gt', 9_999_999], ['attributes.retry_count', 'lt', 0], ['attributes.user.tier', 'lte', -1]] as const) {
      const text = await plan({ filter: { field, operator, value } }, ['enable_seqscan']);
      expect(text, `${field} ${operator}\n${text}`).toContain('llm_trace_attribute_numbers_path_value_idx');
    }
  });
});

describeEachBackend('the per-user day and week rollups are read from their covering indexes (0013, 0016)', (backend) => {
  beforeAll(async () => {
    await insertSpans(backend().driver, Array.from({ length: 20 }, (_, i) => span({ user_id: `u${i % 7}`, ts: new Date(Date.UTC(2026, 2, 2 + (i % 9))).toISOString() })));
    await backend().driver.query('VACUUM ANALYZE llm_rollup_user_1d');
    await backend().driver.query('VACUUM ANALYZE llm_rollup_user_1w');
  });

  /** The engine's statement for whole UTC days only (a Sunday, two Monday weeks, four days): every row comes from the per-user rollups. */
  async function plan(body: Partial<MetricsBody>, scope: readonly string[] | null): Promise<string> {
    const req = metricsRequestFromBody({ metrics: [{ metric: 'unique_users' }], ...body });
    const range = { fromMs: Date.parse('2026-03-01T00:00:00Z'), toMs: Date.parse('2026-03-20T00:00:00Z') };
    const p = planMetricsQuery(req, range.fromMs, range.toMs);
    expect(p.segments.map((s) => s.source)).toEqual(['1d', '1w', '1w', '1d']);
    const { sql, params } = compileMetricsQuery({ req, plan: p, scope, ...range, unordered: true });
    return backend().driver.transaction(async (tx) => {
      for (const s of ['enable_seqscan', 'enable_bitmapscan']) await tx.query(`SET LOCAL ${s} = off`);
      const res = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
      return res.rows.map((r) => r['QUERY PLAN']).join('\n');
    });
  }

  it('counts distinct users and ranks users by cost with index-only scans, for all projects and for one', async () => {
    for (const scope of [null, ['proj-a']]) {
      const users = await plan({}, scope);
      expect(users, users).toContain('Index Only Scan using llm_rollup_user_1d_cover_idx');
      expect(users, users).toContain('Index Only Scan using llm_rollup_user_1w_cover_idx');
      // The attribution's ranking: every user's cost (the engine statement rankPage wraps).
      const rank = await plan({ metrics: [{ metric: 'total_cost', aggregation: 'sum' }], group_by: ['user_id'] }, scope);
      expect(rank, rank).toContain('Index Only Scan using llm_rollup_user_1d_cover_idx');
      expect(rank, rank).toContain('Index Only Scan using llm_rollup_user_1w_cover_idx');
    }
  });
});

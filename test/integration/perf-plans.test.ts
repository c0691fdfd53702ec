// The indexes of migration 0002 are usable by the SQL the compiler emits, on
// both engines. The planner is pushed off the alternatives (sequential scans,
// plain index walks, sorts) so a plan names the index only if the index can
// serve the expression; a collation mismatch or a NULLS-order mismatch fails.
import { beforeAll, expect, it } from 'vitest';
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

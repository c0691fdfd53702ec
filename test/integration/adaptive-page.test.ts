// The adaptive page (its attempts: a recent stretch, the newest window, the
// whole range behind a fence) returns exactly the rows of the plain page
// query, on both engines: common, rare and absent values, clustered at the old
// end, every page of a cursor walk, one project and several, ascending and
// descending, with a recent stretch that holds all, some or none of the rows.
import { beforeAll, expect, it } from 'vitest';
import type { SearchBody } from '../../src/query/request.js';
import { searchRequestFromBody } from '../../src/traces/search-request.js';
import { buildPageSql, ROW_ID, SORT_KEY, type KeysetPosition } from '../../src/traces/page-sql.js';
import { queryPage } from '../../src/traces/search-service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { principal } from '../helpers/principal.js';
import { insertSpans, span } from '../helpers/spans.js';

describeEachBackend('adaptive page SQL', (backend) => {
  beforeAll(async () => {
    const rows = Array.from({ length: 240 }, (_, i) =>
      span({
        span_id: `s${String(i).padStart(3, '0')}`,
        project_id: i % 3 === 0 ? 'p2' : 'p1',
        ts: new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 2) * 1000).toISOString(),
        provider: i % 2 === 0 ? 'openai' : 'anthropic',
        model: i % 5 === 0 ? 'gpt-4o' : 'claude-3-5-sonnet',
        status_code: i % 11 === 0 ? 'ERROR' : 'OK',
        // Rare and only among the oldest rows; rarer still spread over all of them.
        user_id: i < 20 && i % 4 === 0 ? 'old-user' : i % 60 === 7 ? 'spread-user' : `u${i % 9}`,
        duration_ms: i,
        attributes: { feature: i % 50 === 3 ? 'rare' : 'chat' },
      }),
    );
    await insertSpans(backend().driver, rows);
  });

  const bodies: SearchBody[] = [
    { filter: { field: 'provider', operator: 'eq', value: 'openai' }, limit: 7 },
    { filter: { field: 'user_id', operator: 'eq', value: 'old-user' }, limit: 2 },
    { filter: { field: 'user_id', operator: 'eq', value: 'spread-user' }, limit: 1 },
    { filter: { field: 'user_id', operator: 'eq', value: 'nobody' } },
    { filter: { field: 'attributes.feature', operator: 'eq', value: 'rare' }, limit: 2, sort_desc: false },
    { filter: { field: 'duration_ms', operator: 'gte', value: 100 }, limit: 30, sort_desc: false },
    { filter: { operator: 'AND', filters: [{ field: 'provider', operator: 'eq', value: 'openai' }, { field: 'duration_ms', operator: 'lt', value: 0 }] } },
    // Time comparisons become bounds of the window.
    { filter: { field: 'ts', operator: 'lt', value: '2026-01-01T00:00:30.000Z' }, limit: 4 },
    { filter: { operator: 'AND', filters: [{ field: 'ts', operator: 'gte', value: '2026-01-01T00:00:10.000Z' }, { field: 'provider', operator: 'eq', value: 'anthropic' }] }, limit: 3, sort_desc: false },
    // Served in page order by their own index (one plain statement, or a recent one first).
    { limit: 9 },
    { filter: { field: 'status_code', operator: 'eq', value: 'ERROR' }, limit: 3 },
    { filter: { operator: 'AND', filters: [{ field: 'ts', operator: 'gte', value: '2026-01-01T00:00:20.000Z' }, { field: 'model', operator: 'eq', value: 'gpt-4o' }] }, limit: 5 },
  ];
  // Recent stretches: none, most rows, the newest few seconds, later than every row.
  const recent = [null, '2026-01-01T00:00:15.000Z', '2026-01-01T00:01:55.000Z', '2026-02-01T00:00:00.000Z'];

  async function walk(body: SearchBody, projects: 'all' | string[], adaptive: boolean, window: number, recentSince: string | null = null): Promise<string[]> {
    const req = searchRequestFromBody(body, principal(projects === 'all' ? 'admin' : 'viewer', projects));
    const seen: string[] = [];
    let after: KeysetPosition | null = null;
    for (let page = 0; page < 100; page++) {
      const plain = buildPageSql(req, { from: null, to: null }, after);
      const rows: Record<string, unknown>[] = adaptive
        ? (await queryPage(backend().driver, req, { from: null, to: null }, after, {}, Date.now(), { window, recentSince })).rows
        : (await backend().driver.query<Record<string, unknown>>(plain.sql, plain.params)).rows;
      const pageRows = rows.slice(0, req.limit);
      seen.push(...pageRows.map((r) => String(r.span_id)));
      if (rows.length <= req.limit) return seen;
      const last = pageRows[pageRows.length - 1]!;
      after = { key: last[SORT_KEY] as string, id: Number(last[ROW_ID]) };
    }
    throw new Error('no last page');
  }

  it('returns the plain query rows, page by page, whichever attempt answers', async () => {
    for (const body of bodies) {
      for (const projects of ['all', ['p1'], ['p1', 'p2']] as const) {
        const want = await walk(body, projects === 'all' ? 'all' : [...projects], false, 0);
        // A tiny window forces the second attempt; a large one answers from the first.
        for (const window of [1, 40, 100_000]) {
          for (const since of recent) {
            const got = await walk(body, projects === 'all' ? 'all' : [...projects], true, window, since);
            expect(got, `${JSON.stringify(body)} ${String(projects)} ${window} ${since}`).toEqual(want);
          }
        }
      }
    }
  });
});

// The page SQL must keep the shape the time indexes can serve: see
// docs/performance.md ("Ordering the index can deliver").
import { describe, expect, it } from 'vitest';
import { queryShapes, QUERY_TYPES, VARIANTS } from '../../src/perf/query-shapes.js';
import { generatedShapes, type GeneratedValues } from '../../src/perf/shape-generator.js';
import { FIELDS, OPERATORS_BY_TYPE } from '../../src/query/fields.js';
import { searchRequestFromBody } from '../../src/traces/search-request.js';
import { buildPageSql, planPageSql, WINDOW_ROWS, windowRowsFor } from '../../src/traces/page-sql.js';
import { RECENT_ROWS, recentSpanMs } from '../../src/traces/recent-window.js';
import { principal } from '../helpers/principal.js';

const admin = principal('admin', 'all');
const page = (body: Parameters<typeof searchRequestFromBody>[0], p = admin) => buildPageSql(searchRequestFromBody(body, p), { from: null, to: null }, null);

describe('page SQL', () => {
  it('orders a NOT NULL key without NULLS LAST, so (ts DESC, id DESC) indexes match it', () => {
    expect(page({}).sql).toMatch(/ ORDER BY ts DESC, id DESC LIMIT \$1::bigint$/);
    expect(page({ sort_desc: false }).sql).toMatch(/ ORDER BY ts ASC, id ASC LIMIT/);
    expect(page({ sort_by: 'duration_ms' }).sql).toMatch(/ ORDER BY duration_ms DESC, id DESC LIMIT/);
  });

  it('keeps NULLS LAST on nullable keys', () => {
    expect(page({ sort_by: 'ttft_ms' }).sql).toMatch(/ ORDER BY ttft_ms DESC NULLS LAST, id DESC LIMIT/);
    expect(page({ sort_by: 'model', sort_desc: false }).sql).toMatch(/ ORDER BY model COLLATE "C" ASC NULLS LAST, id ASC LIMIT/);
  });

  it('scopes one project by equality and several by ANY', () => {
    const one = page({}, principal('viewer', ['p1']));
    expect(one.sql).toContain('WHERE project_id = $1::text ORDER BY');
    expect(one.params[0]).toBe('p1');
    const two = page({}, principal('viewer', ['p1', 'p2']));
    expect(two.sql).toContain('WHERE project_id = ANY($1::text[]) ORDER BY');
    expect(two.params[0]).toEqual(['p1', 'p2']);
    expect(page({}).sql).not.toContain(' WHERE ');
  });
});

describe('benchmark query shapes', () => {
  it('cover every query type in every variant, each a valid search body', () => {
    const shapes = queryShapes();
    expect(shapes.map((s) => `${s.type}/${s.variant}`)).toEqual(QUERY_TYPES.flatMap((t) => VARIANTS.map((v) => `${t}/${v}`)));
    for (const s of shapes) expect(() => page(s.body)).not.toThrow();
  });
});

describe('generated shapes', () => {
  const values: GeneratedValues = {
    tsMin: '2026-01-01T00:00:00.000Z',
    tsMax: '2026-01-31T00:00:00.000Z',
    ids: {
      spread: { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), parent_span_id: 'c'.repeat(16), ts: '2026-01-20T00:00:00.000Z' },
      old: { trace_id: 'd'.repeat(32), span_id: 'e'.repeat(16), parent_span_id: null, ts: '2026-01-02T00:00:00.000Z' },
    },
    numbers: {},
  };
  it('cover every (field, operator) pair of the registry, each a valid search body', () => {
    const shapes = generatedShapes(values);
    const pairs = new Set(shapes.map((s) => `${s.field} ${s.operator}`));
    for (const f of FIELDS.filter((x) => x.type !== 'attributes')) {
      for (const op of OPERATORS_BY_TYPE[f.type].filter((o) => o !== 'search' || f.vector)) expect(pairs, `${f.name} ${op}`).toContain(`${f.name} ${op}`);
    }
    expect(new Set(shapes.map((s) => s.name)).size).toBe(shapes.length);
    expect(shapes.filter((s) => s.variant === 'disjoint').length).toBeGreaterThan(3);
    for (const s of shapes) expect(() => page(s.body), s.name).not.toThrow();
  });
});

describe('page plan', () => {
  const plan = (body: Parameters<typeof searchRequestFromBody>[0], recentSince: string | null = null, p = admin) =>
    planPageSql(searchRequestFromBody(body, p), { from: null, to: null }, null, { recentSince }).map((s) => s.sql);
  const since = '2026-01-01T00:00:00.000Z';

  it('runs one ordered statement when an index delivers the matches in page order', () => {
    for (const body of [{}, { filter: { field: 'user_id', operator: 'eq', value: 'u1' } }, { filter: { field: 'status_code', operator: 'eq', value: 'ERROR' }, limit: 1000 }]) {
      const steps = plan(body);
      expect(steps, JSON.stringify(body)).toHaveLength(1);
      expect(steps[0]).not.toContain('OFFSET 0');
      expect(steps[0]).not.toContain(') w');
    }
  });

  it('reads the newest window, then every match behind a fence, for any other filter', () => {
    for (const body of [
      { filter: { field: 'status_code', operator: 'eq', value: 'OK' } },
      { filter: { field: 'provider', operator: 'eq', value: 'openai' } },
      { filter: { field: 'total_cost_usd', operator: 'gte', value: 1 } },
      { filter: { operator: 'AND', filters: [{ field: 'user_id', operator: 'eq', value: 'u1' }, { field: 'tags', operator: 'contains', value: 'x' }] } },
    ]) {
      const [window, fenced, ...rest] = plan(body);
      expect(rest, JSON.stringify(body)).toEqual([]);
      expect(window).toContain(') w WHERE ');
      expect(fenced).toContain(' OFFSET 0) a ORDER BY');
    }
  });

  it('bounds the first statement by the recent stretch (descending time pages only), never the last', () => {
    const served = plan({ filter: { field: 'model', operator: 'eq', value: 'gpt-4o' } }, since);
    expect(served).toHaveLength(2);
    expect(served[0]).toMatch(/ts >= \$\d+::timestamptz/);
    expect(served[1]).not.toMatch(/ts >= /);
    const other = plan({ filter: { field: 'provider', operator: 'eq', value: 'openai' } }, since);
    expect(other[0]).toMatch(/ts >= \$\d+::timestamptz/);
    expect(other[1]).not.toMatch(/ts >= /);
    expect(plan({ sort_desc: false }, since)).toHaveLength(1);
    expect(plan({ sort_by: 'duration_ms' }, since)).toHaveLength(1);
    // A range that starts after the recent stretch does not need it.
    const req = searchRequestFromBody({}, admin);
    expect(planPageSql(req, { from: '2026-02-01T00:00:00.000Z', to: null }, null, { recentSince: since })).toHaveLength(1);
  });

  it('sizes the window from the page size', () => {
    expect(windowRowsFor(50)).toBe(WINDOW_ROWS);
    expect(windowRowsFor(1000)).toBe(10_010);
  });

  it('bounds a later page by its position on the partition key, so partitions newer than it are pruned', () => {
    const req = searchRequestFromBody({}, admin);
    const [first] = planPageSql(req, { from: null, to: null }, { key: '2026-01-02T00:00:00.000000Z', id: 7 }, { recentSince: null });
    expect(first!.sql).toMatch(/\(ts, id\) < \(\$\d+::timestamptz, \$\d+::bigint\) AND ts <= \$\d+::timestamptz/);
  });
});

describe('recent stretch', () => {
  const day = (d: number, rows: number) => ({ lo: new Date(Date.UTC(2026, 0, d)), hi: new Date(Date.UTC(2026, 0, d + 1)), rows });
  it('holds RECENT_ROWS at the rate of the newest analysed partitions', () => {
    expect(recentSpanMs([day(3, RECENT_ROWS), day(2, RECENT_ROWS)])).toBe(86_400_000);
    expect(recentSpanMs([day(3, 4 * RECENT_ROWS)])).toBe(21_600_000);
    expect(recentSpanMs([])).toBeNull();
  });
});

// Which statements of the metrics engine run without parallel workers
// (QueryOptions.serial) and on a plan made once per connection
// (QueryOptions.genericPlan): those of a rollup plan, whose few thousand wide
// rows cost more to pass through a Gather than to read, and whose plan (the
// bucket index of each segment, the probe of the open bucket) does not
// depend on the values; a raw plan keeps both, its plan is made for its values.
import { describe, expect, it } from 'vitest';
import { metricsRequestFromBody, type MetricsBody } from '../../src/analytics/metrics-request.js';
import { executeMetricsQuery } from '../../src/analytics/metrics-service.js';
import type { Queryable, QueryOptions } from '../../src/storage/driver.js';

/** Our own storage boundary, recording the options of every statement (no rows). */
function recorder(): Queryable & { seen: { sql: string; opts: QueryOptions }[] } {
  const seen: { sql: string; opts: QueryOptions }[] = [];
  return {
    seen,
    query: async <R>(sql: string, _params?: readonly unknown[], opts: QueryOptions = {}) => {
      seen.push({ sql, opts });
      return { rows: [] as R[], rowCount: 0 };
    },
  };
}

const run = async (body: Partial<MetricsBody>) => {
  const db = recorder();
  const req = metricsRequestFromBody({ metrics: [{ metric: 'request_count' }, { metric: 'duration', aggregation: 'p95' }], ...body });
  const res = await executeMetricsQuery(db, req, null, { fromMs: Date.parse('2026-03-01T10:15:00Z'), toMs: Date.parse('2026-03-20T06:00:00Z') });
  return { source: res.source, seen: db.seen };
};

describe('serial statements of the metrics engine', () => {
  it('runs every statement of a rollup plan serially, the histogram statement included', async () => {
    const { source, seen } = await run({ group_by: ['model'] });
    expect(source).toBe('rollup_1d');
    expect(seen).toHaveLength(2);
    for (const s of seen) expect(s.opts.serial).toBe(true);
    for (const s of seen) expect(s.opts.genericPlan).toBe(true);
  });

  it('plans a rollup statement with a filter for its values', async () => {
    const { source, seen } = await run({ group_by: ['model'], filter: { field: 'provider', operator: 'in', value: ['openai', 'anthropic'] } });
    expect(source).toBe('rollup_1d');
    for (const s of seen) expect(s.opts.serial).toBe(true);
    for (const s of seen) expect(s.opts.genericPlan).toBe(false);
  });

  it('leaves the statements of a raw plan free to use parallel workers', async () => {
    const { source, seen } = await run({ filter: { field: 'content', operator: 'search', value: 'timeout' } });
    expect(source).toBe('raw');
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s.opts.serial).toBe(false);
    for (const s of seen) expect(s.opts.genericPlan).toBe(false);
  });
});

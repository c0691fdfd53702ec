// The doctor explains the benchmark suite's own query shapes (src/perf/query-shapes.ts),
// one list for both. Rare and no-match variants must show the index they were
// built for: that is where a plan without it takes seconds. Common variants
// only need "an index, not a sequential scan": walking the time index and
// filtering is the right plan for a value half the rows carry.
import { queryShapes, resolveShapeValues } from '../perf/query-shapes.js';
import type { Queryable } from '../storage/driver.js';
import type { QueryShape } from './query-shape.js';

export async function benchmarkShapes(db: Queryable): Promise<QueryShape[]> {
  const values = await resolveShapeValues(db);
  return queryShapes(values).map((s) => ({
    name: `${s.type}/${s.variant}`,
    body: s.body,
    ...(s.variant === 'common' ? { commonValue: true } : { expectIndex: s.index }),
    // The benchmark runs as an admin (every project); explain the same plan.
    projects: null,
  }));
}

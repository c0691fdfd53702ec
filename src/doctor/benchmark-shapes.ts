// The doctor explains the generated selectivity-adversarial shapes
// (src/perf/shape-generator.ts), the list the benchmark loads: every rare and
// absent value must be served by the index the index map names for its
// (field, operator) pair (src/perf/index-map.ts), since that is where a plan
// without it reads the table. Common values only need "an index, not a
// sequential scan"; pairs that never hold together too. Pairs the map serves
// with no index (negations; docs/performance.md says why)
// are left out: their sequential scan is the documented bound, not a finding.
import { generatedShapes, resolveGeneratedValues } from '../perf/shape-generator.js';
import type { Queryable } from '../storage/driver.js';
import type { QueryShape } from './query-shape.js';

export async function benchmarkShapes(db: Queryable): Promise<QueryShape[]> {
  const values = await resolveGeneratedValues(db);
  return generatedShapes(values)
    .filter((s) => s.variant === 'rare' || s.variant === 'rare_old' || s.variant === 'absent' || s.variant === 'disjoint')
    .filter((s) => s.variant === 'disjoint' || s.index !== null)
    .map((s) => ({
      name: s.name,
      body: s.body,
      ...(s.index === null ? {} : { expectIndex: s.index }),
      // The benchmark runs as an admin (every project); explain the same plan.
      projects: null,
    }));
}

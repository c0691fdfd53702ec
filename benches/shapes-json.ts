// Prints the benchmark shapes as JSON lines ({type, variant, body}) for the
// wrk script; values are confirmed against DATABASE_URL when it is set.
//   tsx benches/shapes-json.ts [suite]
import pg from 'pg';
import { DEFAULT_SHAPE_VALUES, queryShapes, resolveShapeValues, type ShapeValues } from '../src/perf/query-shapes.js';

const suite = process.argv[2] ?? 'all';
let values: ShapeValues = DEFAULT_SHAPE_VALUES;
if (process.env.DATABASE_URL) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  values = await resolveShapeValues({ query: async (sql, params) => client.query(sql, params as unknown[]) as never });
  await client.end();
}
const types = suite === 'all' ? null : suite === 'cache' ? ['simple'] : [suite];
for (const s of queryShapes(values)) {
  if (types !== null && !types.includes(s.type)) continue;
  if (suite === 'cache' && s.variant !== 'common') continue;
  process.stdout.write(`${JSON.stringify({ type: s.type, variant: s.variant, body: s.body })}\n`);
}

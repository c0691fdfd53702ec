// Planning time of the real search SQL against N day partitions of llm_traces
// (empty: planning does not read the data), for the daily-vs-weekly choice in
// docs/scaling.md: a 1-hour and a 7-day search (pruned at plan time) and one
// without a time bound (every partition). 15 partitions is what weekly
// partitions come to at 90 days' retention, 100 daily ones, 400 daily ones
// kept for a year. Creates and drops a scratch database per N.
//
//   npx tsx benches/partition-planning.ts [admin url] [database name]
import pg from 'pg';
import { searchSql } from '../src/doctor/query-plans.js';
import { migrate } from '../src/storage/migrate.js';
import { PostgresDriver } from '../src/storage/postgres.js';

const adminUrl = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = process.argv[3] ?? 'tracelens_partition_planning';
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const now = Date.now();
const filter = { field: 'model', operator: 'eq', value: 'gpt-4o' };
const shapes: Record<string, Parameters<typeof searchSql>[0]> = {
  '1h': { from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString(), filter },
  '7d': { from: new Date(now - 7 * 86_400_000).toISOString(), to: new Date(now).toISOString(), filter },
  unbounded: { filter },
};
for (const n of [15, 100, 400]) {
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const db = new PostgresDriver({
    url: url.toString(),
    pool: { poolMax: 2, poolMin: 0, acquireTimeoutMs: 60_000, idleTimeoutMs: 10_000, maxLifetimeS: 0, statementTimeoutMs: 0, connectTimeoutMs: 5_000, maxWaiting: 10 },
  });
  await migrate(db);
  // The migration made yesterday to a week ahead; add days back to n partitions in all.
  await db.query(`SELECT tracelens_ensure_partitions(now() - ($1 || ' days')::interval, now())`, [n - 9]);
  const partitions = Number((await db.query<{ c: string }>(`SELECT count(*) AS c FROM pg_inherits WHERE inhparent = 'llm_traces'::regclass`)).rows[0]!.c);
  await db.exec('ANALYZE');
  const medianMs: Record<string, number> = {};
  for (const [shape, body] of Object.entries(shapes)) {
    const { sql, params } = searchSql(body, ['proj_001'], now);
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await db.query<{ 'QUERY PLAN': { 'Planning Time': number }[] }>(`EXPLAIN (FORMAT JSON, SUMMARY) ${sql}`, params);
      times.push(r.rows[0]!['QUERY PLAN'][0]!['Planning Time']);
    }
    times.sort((a, b) => a - b);
    medianMs[shape] = times[12]!;
  }
  console.log(JSON.stringify({ partitions, medianPlanningMs: medianMs }));
  await db.close();
}
await admin.query(`DROP DATABASE IF EXISTS ${name}`);
await admin.end();

// Planning time of the real search SQL against day and week partitions of
// llm_traces (empty: planning does not read the data), for the choice of
// partition width in docs/scaling.md: a 1-hour and a 7-day search (pruned at
// plan time), the first attempt of an unbounded page (the recent stretch:
// its last day and what lies ahead) and the last one (every partition).
// Layouts: 30, 90 and 365 days kept, as day partitions and as week
// partitions, each with the ones made ahead and the default partition.
// Creates and drops a scratch database per layout.
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
const DAY = 86_400_000;
const filter = { field: 'model', operator: 'eq', value: 'gpt-4o' };
const shapes: Record<string, Parameters<typeof searchSql>[0]> = {
  '1h': { from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString(), filter },
  '7d': { from: new Date(now - 7 * DAY).toISOString(), to: new Date(now).toISOString(), filter },
  'recent stretch': { from: new Date(now - DAY).toISOString(), filter },
  unbounded: { filter },
};
process.stdout.write('| layout | partitions | 1-hour search | 7-day search | recent stretch (first attempt) | unbounded (last attempt) |\n|---|---|---|---|---|---|\n');
for (const [width, days] of [['day', 30], ['day', 90], ['day', 365], ['week', 30], ['week', 90], ['week', 365]] as const) {
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const db = new PostgresDriver({
    url: url.toString(),
    pool: { poolMax: 2, poolMin: 0, acquireTimeoutMs: 60_000, idleTimeoutMs: 10_000, maxLifetimeS: 0, statementTimeoutMs: 0, connectTimeoutMs: 5_000, maxWaiting: 10 },
  });
  await migrate(db);
  if (width === 'week') {
    await db.query(`SELECT tracelens_ensure_partitions(now() - ($1 || ' days')::interval, now() + interval '8 days')`, [days]);
  } else {
    // Day partitions as databases made before week partitions have them: the kept days and a week ahead.
    await db.query(`DO $$ DECLARE r record; BEGIN FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'llm_traces'::regclass AND c.relname <> 'llm_traces_default' LOOP EXECUTE format('DROP TABLE %I', r.relname); END LOOP; END $$`);
    // One statement each: a year of them in one transaction outgrows the lock table (each holds its indexes' locks).
    for (let d = -days; d <= 7; d++) {
      await db.query(`SELECT tracelens_create_partition(tracelens_partition_name(d), d, d + interval '24 hours') FROM (SELECT date_trunc('day', now(), 'UTC') + ($1 || ' days')::interval AS d) x`, [d]);
    }
  }
  const partitions = Number((await db.query<{ c: string }>(`SELECT count(*) AS c FROM pg_inherits WHERE inhparent = 'llm_traces'::regclass`)).rows[0]!.c);
  await db.exec('ANALYZE').catch(() => undefined);
  const medianMs: string[] = [];
  for (const body of Object.values(shapes)) {
    const { sql, params } = searchSql(body, ['proj_001'], now);
    const times: number[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        const r = await db.query<{ 'QUERY PLAN': { 'Planning Time': number }[] }>(`EXPLAIN (FORMAT JSON, SUMMARY) ${sql}`, params);
        times.push(r.rows[0]!['QUERY PLAN'][0]!['Planning Time']);
      }
      times.sort((a, b) => a - b);
      medianMs.push(`${times[12]!.toFixed(2)} ms`);
    } catch (err) {
      // A statement that locks every partition and its indexes can outgrow the lock table (max_locks_per_transaction).
      medianMs.push(`fails: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`);
    }
  }
  process.stdout.write(`| ${days} days kept, ${width} partitions | ${partitions} | ${medianMs.join(' | ')} |\n`);
  await db.close();
}
await admin.query(`DROP DATABASE IF EXISTS ${name}`);
await admin.end();

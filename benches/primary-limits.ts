// What one primary spends per span, measured on a private primary with a
// streaming replica (the test suite's ReplicaCluster): WAL bytes (what every
// replica and the WAL archive receive), heap and index bytes, the replica's
// lag while the primary loads as fast as it can, and VACUUM time afterwards.
// docs/scaling.md extrapolates from these numbers.
//
//   npx tsx benches/primary-limits.ts [--rows 100000]
import { parseArgs } from 'node:util';
import { migrate } from '../src/storage/migrate.js';
import { PostgresDriver } from '../src/storage/postgres.js';
import { LagTracker, parseLsn } from '../src/replica/replica-lag.js';
import { seedDatabase } from '../src/seed/seed-database.js';
import { ReplicaCluster } from '../test/helpers/replica-cluster.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const rows = Number(values.rows);
const cluster = await ReplicaCluster.start();
try {
  const primary = new PostgresDriver({ url: cluster.primaryUrl, pool: {
      poolMax: 4,
      poolMin: 0,
      acquireTimeoutMs: 60_000,
      idleTimeoutMs: 10_000,
      maxLifetimeS: 0,
      statementTimeoutMs: 0,
      connectTimeoutMs: 5_000,
      maxWaiting: 100,
    } });
  await migrate(primary);
  const lsn = async (server: 'primary' | 'replica') =>
    parseLsn(
      (
        await cluster.sql<{ l: string }>(
          server,
          server === 'primary' ? 'SELECT pg_current_wal_lsn()::text AS l' : 'SELECT pg_last_wal_replay_lsn()::text AS l',
        )
      )[0]!.l,
    );
  const walStart = await lsn('primary');
  const tracker = new LagTracker();
  let maxLagS = 0;
  let maxLagBytes = 0n;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const p = await lsn('primary');
        const r = await lsn('replica');
        maxLagS = Math.max(maxLagS, tracker.observe(p, r, Date.now()));
        if (p - r > maxLagBytes) maxLagBytes = p - r;
      } catch (err) {
        process.stderr.write(`lag sample failed: ${(err as Error).message}\n`);
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  })();
  const started = performance.now();
  const res = await seedDatabase(primary, { rows, projects: 3, days: 30, seed: 1, end: new Date('2026-11-30T00:00:00Z'), batch: 5000, jobs: 2 });
  const loadS = (performance.now() - started) / 1000;
  const walBytes = (await lsn('primary')) - walStart;
  // Until the replica has replayed everything.
  const caughtUpStart = performance.now();
  while ((await lsn('replica')) < (await lsn('primary'))) await new Promise((r) => setTimeout(r, 100));
  const catchUpS = (performance.now() - caughtUpStart) / 1000;
  sampling = false;
  await sampler;
  const sizes = (
    await primary.query<{ heap: number; indexes: number; toast: number; total: number }>(
      `SELECT pg_relation_size('llm_traces') AS heap, pg_indexes_size('llm_traces') AS indexes,
              pg_total_relation_size('llm_traces') - pg_relation_size('llm_traces') - pg_indexes_size('llm_traces') AS toast,
              pg_total_relation_size('llm_traces') AS total`,
    )
  ).rows[0]!;
  const vacuumStarted = performance.now();
  await primary.exec('VACUUM (ANALYZE) llm_traces');
  const vacuumS = (performance.now() - vacuumStarted) / 1000;
  await primary.close();
  const per = (n: number | bigint) => Math.round(Number(n) / rows);
  const mb = (n: number | bigint) => Math.round(Number(n) / 1048576);
  process.stdout.write(
    [
      `rows ${rows} loaded in ${loadS.toFixed(1)} s (${Math.round(rows / loadS)} rows/s, ${res.method}, seed includes VACUUM ANALYZE)`,
      `WAL ${mb(walBytes)} MB = ${per(walBytes)} bytes/span`,
      `table ${mb(sizes.total)} MB = ${per(sizes.total)} bytes/span (heap ${per(sizes.heap)}, indexes ${per(sizes.indexes)}, toast ${per(sizes.toast)})`,
      `replica: max lag ${maxLagS.toFixed(1)} s / ${mb(maxLagBytes)} MB during the load, caught up ${catchUpS.toFixed(1)} s after it`,
      `VACUUM (ANALYZE) after the load: ${vacuumS.toFixed(1)} s`,
    ].join('\n') + '\n',
  );
} catch (err) {
  process.stderr.write(`failed: ${(err as Error).message}\nprimary log:\n${cluster.logTail('primary')}\n`);
  process.exitCode = 1;
} finally {
  await cluster.destroy();
}

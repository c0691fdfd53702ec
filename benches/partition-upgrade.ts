// The upgrade of a populated, unpartitioned llm_traces to day partitions
// (migration 0009) under live traffic: the time of each step the migration
// runner sends, and the longest stall a writer (one INSERT every 20 ms) and
// a reader (a one-hour count every 20 ms) saw while it ran. Every row must
// be kept. Run it on a copy of a database at migration 0006 or later, never
// on one you care about. docs/operations.md has the figures.
//
//   createdb -T tracelens_bench tracelens_upgrade_copy
//   npx tsx benches/partition-upgrade.ts postgres://postgres@127.0.0.1:5432/tracelens_upgrade_copy
import pg from 'pg';
import type { Tx } from '../src/storage/driver.js';
import { migrate } from '../src/storage/migrate.js';
import { PostgresDriver } from '../src/storage/postgres.js';

const url = process.argv[2];
if (!url) throw new Error('usage: npx tsx benches/partition-upgrade.ts <database url of a copy>');
const driver = new PostgresDriver({
  url,
  pool: { poolMax: 4, poolMin: 0, acquireTimeoutMs: 600_000, idleTimeoutMs: 10_000, maxLifetimeS: 0, statementTimeoutMs: 0, connectTimeoutMs: 5_000, maxWaiting: 100 },
});
const client = async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
};
const [counter, writer, reader] = await Promise.all([client(), client(), client()]);
const count = async () => Number((await counter.query<{ n: string }>('SELECT count(*) AS n FROM llm_traces')).rows[0]!.n);
const rowsBefore = await count();

let stop = false;
/** Runs fn every 20 ms until stopped; returns the calls made and the slowest. */
async function probe(fn: () => Promise<unknown>): Promise<{ calls: number; maxMs: number }> {
  let calls = 0;
  let maxMs = 0;
  while (!stop) {
    const t = performance.now();
    await fn();
    maxMs = Math.max(maxMs, performance.now() - t);
    calls++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { calls, maxMs };
}
let n = 0;
const writes = probe(() =>
  writer.query(`INSERT INTO llm_traces (ts, trace_id, span_id, project_id, span_name) VALUES (now(), 'upgrade-probe', $1, 'upgrade-probe', 'probe')`, [`s${n++}`]),
);
const reads = probe(() => reader.query(`SELECT count(*) FROM llm_traces WHERE ts > now() - interval '1 hour'`));
await new Promise((r) => setTimeout(r, 500));

// Time each statement of the runner: the prepare steps (exec) and the transactions.
const steps: { step: string; ms: number }[] = [];
const exec = driver.exec.bind(driver);
driver.exec = async (sql: string) => {
  const t = performance.now();
  await exec(sql);
  steps.push({ step: `prepare: ${sql.replace(/\s+/g, ' ').slice(0, 60)}`, ms: Math.round(performance.now() - t) });
};
const transaction = driver.transaction.bind(driver);
driver.transaction = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
  const t = performance.now();
  const out = await transaction(fn);
  steps.push({ step: 'transaction', ms: Math.round(performance.now() - t) });
  return out;
};
const started = performance.now();
const res = await migrate(driver);
const totalMs = Math.round(performance.now() - started);
await new Promise((r) => setTimeout(r, 500));
stop = true;
const [w, r] = await Promise.all([writes, reads]);
const rowsAfter = await count();
console.log(
  JSON.stringify(
    {
      applied: res.applied,
      totalMs,
      steps,
      rowsBefore,
      rowsAfter,
      everyRowKept: rowsAfter === rowsBefore + w.calls,
      writes: w.calls,
      maxWriteMs: Math.round(w.maxMs),
      reads: r.calls,
      maxReadMs: Math.round(r.maxMs),
    },
    null,
    1,
  ),
);
await Promise.all([counter.end(), writer.end(), reader.end(), driver.close()]);

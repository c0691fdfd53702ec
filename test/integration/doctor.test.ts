// tracelens doctor and maintain against a throw-away PostgreSQL database with a
// few hundred realistic spans. Each test breaks one thing, checks that the
// doctor reports it, and repairs it (with the fix the doctor printed, or with
// maintain) so the next test starts from a healthy database again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult, DoctorDb } from '../../src/doctor/check.js';
import { runMaintenance } from '../../src/doctor/maintain.js';
import { runDoctor, type DoctorReport } from '../../src/doctor/run-doctor.js';
import { MIN_SCANS_FOR_VERDICT } from '../../src/doctor/unused-indexes.js';
import { UNBOUNDED_AT_ONCE } from '../../src/doctor/partition-pruning.js';
import { seedDatabase } from '../../src/seed/seed-database.js';
import { openBackend, type Backend } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { leafIndex, partitionOf } from '../helpers/partitions.js';
import { insertSpans, span } from '../helpers/spans.js';
import { TEST_SHAPES } from '../helpers/doctor-shapes.js';

const SECRET = 'doctor-test-secret-doctor-test-secret-0123';

let backend: Backend;
let db: Backend['driver'];

const of = (r: DoctorReport, check: string) => r.results.filter((x) => x.check === check);
const bad = (rs: CheckResult[]) => rs.filter((x) => x.status === 'warn' || x.status === 'fail');
const shape = (r: DoctorReport, name: string) => r.results.find((x) => x.check === 'query-plans' && x.subject === name)!;

async function doctorCli(args: string[]) {
  const run = runCli(['doctor', ...args], { DATABASE_URL: backend.url!, JWT_SECRET: SECRET });
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

beforeAll(async () => {
  backend = await openBackend('postgres');
  db = backend.driver;
  await seedDatabase(db, { rows: 400, projects: 2, days: 3, seed: 11, end: new Date(), batch: 1000 });
  // ANALYZE alone leaves the GIN pending lists unmerged (see the maintain test); VACUUM (ANALYZE) does both.
  await db.query('VACUUM (ANALYZE) llm_traces');
});

afterAll(async () => {
  await backend?.close();
});

describe('tracelens doctor [postgres]', () => {
  it('passes on a freshly migrated and analyzed database', async () => {
    const r = await runDoctor(db, { shapes: TEST_SHAPES });
    expect(r.results.filter((x) => x.status === 'fail')).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.engine).toBe('postgres');
    for (const check of ['indexes', 'query-plans', 'table-health', 'search-vectors', 'sizes']) {
      expect(of(r, check).length, check).toBeGreaterThan(0);
      expect(bad(of(r, check)), check).toEqual([]);
    }
    expect(of(r, 'indexes')[0]!.message).toMatch(/all \d+ expected indexes/);
    // The full-text shape shows the GIN index over the combined vector.
    expect(shape(r, 'content search').data?.indexes).toContain('llm_traces_search_tsv_idx');
    expect(shape(r, 'content search').details!.join('\n')).toMatch(/Bitmap Index Scan using llm_traces_search_tsv_idx/);
    expect(of(r, 'query-plans')).toHaveLength(6);
    const size = of(r, 'sizes')[0]!;
    expect(size.status).toBe('info');
    expect(Number(size.data!.total)).toBeGreaterThan(0);
  });

  it('counts the locks of a statement without a time bound against the lock table', async () => {
    const r = await runDoctor(db, { shapes: TEST_SHAPES });
    const lock = of(r, 'partitions').find((x) => x.subject === 'lock table')!;
    // Counted another way: every relation such a statement opens (the table, its partitions, all their indexes).
    const opened = (
      await db.query<{ n: number }>(
        `WITH t AS (SELECT 'llm_traces'::regclass AS oid UNION ALL SELECT inhrelid FROM pg_inherits WHERE inhparent = 'llm_traces'::regclass)
         SELECT ((SELECT count(*) FROM t) + (SELECT count(*) FROM pg_index WHERE indrelid IN (SELECT oid FROM t)))::int AS n`,
      )
    ).rows[0]!.n;
    expect(lock.data!.locksPerStatement).toBe(opened);
    const settings = (await db.query<{ cap: number }>(`SELECT (current_setting('max_locks_per_transaction')::int * (current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int)) AS cap`)).rows[0]!;
    expect(lock.data!.lockTable).toBe(settings.cap);
    const fit = Math.floor(settings.cap / opened);
    expect(lock.data!.statementsAtOnce).toBe(fit);
    expect(lock.status).toBe(fit >= UNBOUNDED_AT_ONCE ? 'pass' : 'warn');
    if (lock.status === 'warn') expect(lock.fix).toMatch(/ALTER SYSTEM SET max_locks_per_transaction = \d+/);
  });

  it('fails when an expected index is dropped, and its fix restores it', async () => {
    await db.query('DROP INDEX llm_traces_search_tsv_idx');
    const r = await runDoctor(db, { shapes: TEST_SHAPES });
    expect(r.ok).toBe(false);
    const missing = of(r, 'indexes').filter((x) => x.status === 'fail');
    expect(missing.map((x) => x.subject)).toEqual(['llm_traces_search_tsv_idx']);
    // A partitioned table's index is built in one statement without CONCURRENTLY.
    expect(missing[0]!.fix).toBe('CREATE INDEX IF NOT EXISTS llm_traces_search_tsv_idx ON llm_traces USING gin (search_tsv);');
    // Without its index the full-text shape cannot show a GIN index over search_tsv.
    expect(shape(r, 'content search').status).toBe('warn');

    await db.query(missing[0]!.fix!);
    const again = await runDoctor(db, { shapes: TEST_SHAPES });
    expect(again.ok).toBe(true);
    expect(shape(again, 'content search').status).toBe('pass');
  });

  it('warns (and does not fail) when a query shape falls back to a sequential scan', async () => {
    // The same database and driver, with index paths switched off inside the
    // doctor's EXPLAIN transaction: what a table without usable indexes gets.
    const noIndexPaths: DoctorDb = {
      engine: db.engine,
      query: db.query.bind(db),
      transaction: (fn) =>
        db.transaction(async (tx) => {
          for (const s of ['enable_indexscan', 'enable_bitmapscan', 'enable_indexonlyscan']) await tx.query(`SET LOCAL ${s} = off`);
          // The doctor turns sequential scans off too; with every path disabled the
          // planner would still pick the cheapest (an index in sort order), so keep
          // its seqscan switch out for this simulation.
          return fn({
            ...tx,
            query: (sql, params, opts) => (/enable_seqscan/.test(sql) ? Promise.resolve({ rows: [], rowCount: 0 }) : tx.query(sql, params, opts)),
          });
        }),
    };
    const r = await runDoctor(noIndexPaths, { shapes: TEST_SHAPES });
    const plans = of(r, 'query-plans');
    expect(plans.map((x) => x.status)).toEqual(plans.map(() => 'warn'));
    expect(shape(r, 'provider eq').message).toMatch(/falls back to a sequential scan of llm_traces/);
    expect(shape(r, 'provider eq').details!.join('\n')).toMatch(/Seq Scan on llm_traces/);
    expect(shape(r, 'provider eq').fix).toMatch(/VACUUM \(ANALYZE\) llm_traces/);
    expect(r.ok).toBe(true);
  });

  it('warns when a shape does not use its intended index', async () => {
    const r = await runDoctor(db, {
      shapes: [{ name: 'provider eq, wrong index', body: { filter: { field: 'provider', operator: 'eq', value: 'openai' } }, expectIndex: /^no_such_index$/ }],
    });
    const s = shape(r, 'provider eq, wrong index');
    expect(s.status).toBe('warn');
    expect(s.message).toMatch(/not the intended \/\^no_such_index\$\//);
  });

  it('--json prints a parseable report; the exit code is 1 on a fail and 0 otherwise', async () => {
    const healthy = await doctorCli(['--json']);
    expect(healthy.stderr).toBe('');
    expect(healthy.code).toBe(0);
    const report = JSON.parse(healthy.stdout) as DoctorReport;
    expect(report.ok).toBe(true);
    expect(report.summary.fail).toBe(0);
    expect(report.results.some((x) => x.check === 'query-plans' && x.status === 'pass')).toBe(true);

    await db.query('DROP INDEX llm_traces_trace_id_idx');
    try {
      const failing = await doctorCli([]);
      expect(failing.code).toBe(1);
      expect(failing.stdout).toMatch(/FAIL {2}index llm_traces_trace_id_idx on llm_traces is missing/);
      expect(failing.stdout).toContain('CREATE INDEX IF NOT EXISTS llm_traces_trace_id_idx ON llm_traces (trace_id);');
    } finally {
      await db.query('CREATE INDEX IF NOT EXISTS llm_traces_trace_id_idx ON llm_traces (trace_id)');
    }
  });

  it('maintain REINDEXes an invalid index, drops a rebuild leftover and runs VACUUM (ANALYZE)', async () => {
    // On a partitioned table both happen to one partition's index (REINDEX CONCURRENTLY works partition by partition).
    const partition = await partitionOf(db, new Date());
    const tsLeaf = await leafIndex(db, 'llm_traces_ts_idx');
    const leftover = `${partition}_project_ts_idx_ccnew`;
    await db.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${tsLeaf}'::regclass`);
    // What an interrupted REINDEX CONCURRENTLY leaves behind.
    await db.query(`CREATE INDEX ${leftover} ON ${partition} (project_id, ts)`);
    await db.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${leftover}'::regclass`);
    const before = await runDoctor(db, { shapes: TEST_SHAPES });
    expect(before.ok).toBe(false);
    const idx = of(before, 'indexes');
    expect(idx.find((x) => x.subject === tsLeaf)).toMatchObject({ status: 'fail', fix: expect.stringMatching(new RegExp(`^REINDEX INDEX CONCURRENTLY ${tsLeaf};`)) });
    expect(idx.find((x) => x.subject === leftover)).toMatchObject({ status: 'warn', fix: `DROP INDEX CONCURRENTLY ${leftover};` });

    const run = runCli(['maintain'], { DATABASE_URL: backend.url!, JWT_SECRET: SECRET });
    expect(await run.exited).toBe(0);
    const lines = run.stdout().trim().split('\n');
    expect(lines.map((l) => l.replace(/;.*$/, ''))).toEqual([
      expect.stringMatching(/^partitions: 0 created, 0 days moved out of the default partition, 0 dropped past RETENTION_DAYS=90$/),
      'rollups: 0 pending span changes folded',
      `DROP INDEX CONCURRENTLY IF EXISTS ${leftover}`,
      `REINDEX INDEX CONCURRENTLY ${tsLeaf}`,
      'VACUUM (ANALYZE) llm_traces',
      'exports: 0 jobs expired, 0 files deleted',
      'done: 3 statements',
    ]);

    const state = await db.query<{ valid: boolean; leftover: string | null; vacuumed: boolean }>(
      `SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = $1::regclass) AS valid,
              to_regclass($2)::text AS leftover,
              (SELECT last_vacuum IS NOT NULL AND last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = $3) AS vacuumed`,
      [tsLeaf, leftover, partition],
    );
    expect(state.rows[0]).toEqual({ valid: true, leftover: null, vacuumed: true });
    expect((await runDoctor(db, { shapes: TEST_SHAPES })).ok).toBe(true);
  });

  it('a load with only ANALYZE leaves the full-text shape off its GIN index until maintain merges the pending list', async () => {
    // Row-by-row inserts land in the GIN indexes' pending lists, which the
    // planner prices as an unsorted scan until VACUUM merges them.
    await insertSpans(
      db,
      // Few rows match the shape's words, so once merged the GIN index is the
      // right plan (were all 300 to match, walking the project's btree would be).
      Array.from({ length: 300 }, (_, i) =>
        span({
          project_id: 'gin-pending',
          input_text: i % 50 === 0 ? `timeout error number ${i}` : `routine completion number ${i}`,
          ts: new Date(Date.now() - i * 1000).toISOString(),
        }),
      ),
    );
    await db.query('ANALYZE llm_traces');
    // Whether the planner already avoids the GIN index here depends on how its
    // costs weigh 300 pending entries against this toy table, so the test pins
    // the part that does not: the fix the doctor offers, and the plan after it.
    const before = await runDoctor(db, { shapes: TEST_SHAPES });
    if (shape(before, 'content search').status === 'warn') {
      expect(shape(before, 'content search').fix).toMatch(/^VACUUM \(ANALYZE\) llm_traces;/);
    }

    const steps = await runMaintenance(db);
    expect(steps.map((s) => s.sql)).toEqual(['VACUUM (ANALYZE) llm_traces']);
    const after = await runDoctor(db, { shapes: TEST_SHAPES });
    expect(shape(after, 'content search').status, JSON.stringify(shape(after, 'content search'))).toBe('pass');
  });

  it('lists unused indexes once there is query history, and offers to drop only those outside the schema', async () => {
    await db.query('CREATE INDEX llm_traces_doctor_extra_idx ON llm_traces (user_id)');
    const quiet = of(await runDoctor(db, { shapes: TEST_SHAPES }), 'unused-indexes')[0]!;
    expect(quiet.status).toBe('info');
    expect(quiet.details!.join('\n')).toMatch(/llm_traces_doctor_extra_idx: [\d.]+ kB/);

    // Enough index scans of llm_traces (one per outer row of a nested loop)
    // to give the table a history, flushed to the shared statistics on commit.
    await db.transaction(async (tx) => {
      for (const s of ['enable_seqscan', 'enable_hashjoin', 'enable_mergejoin', 'enable_memoize']) await tx.query(`SET LOCAL ${s} = off`);
      await tx.query(`SELECT count(*) FROM generate_series(1, ${MIN_SCANS_FOR_VERDICT + 100}) g JOIN llm_traces t ON t.trace_id = g::text`);
      await tx.query('SELECT pg_stat_force_next_flush()');
    });
    const busy = of(await runDoctor(db, { shapes: TEST_SHAPES }), 'unused-indexes')[0]!;
    expect(busy.status).toBe('warn');
    expect(busy.fix).toBe('DROP INDEX llm_traces_doctor_extra_idx;');
    await db.query(busy.fix!);
  });

  it('says how to enable pg_stat_statements when it is missing or not preloaded', async () => {
    const preload = (await db.query<{ v: string }>(`SELECT current_setting('shared_preload_libraries') AS v`)).rows[0]!.v;
    if (preload.includes('pg_stat_statements')) {
      // A server that preloads it: the check lists statements instead.
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      expect(['pass', 'info', 'warn']).toContain(of(await runDoctor(db, { shapes: TEST_SHAPES }), 'slow-statements')[0]!.status);
      return;
    }
    const missing = of(await runDoctor(db, { shapes: TEST_SHAPES }), 'slow-statements')[0]!;
    expect(missing.status).toBe('warn');
    expect(missing.message).toMatch(/not enabled/);
    expect(missing.fix).toMatch(/ALTER SYSTEM SET shared_preload_libraries = '([^']*,)?pg_stat_statements'/);
    expect(missing.fix).toMatch(/CREATE EXTENSION IF NOT EXISTS pg_stat_statements;/);

    await db.query('CREATE EXTENSION pg_stat_statements');
    const notLoaded = of(await runDoctor(db, { shapes: TEST_SHAPES }), 'slow-statements')[0]!;
    expect(notLoaded.status).toBe('warn');
    expect(notLoaded.message).toMatch(/installed in this database but not loaded/);
  });

  it('fails on rows whose text has an empty search vector; stop-word-only rows are fine', async () => {
    await insertSpans(db, [span({ project_id: 'stop-words', input_text: 'What is it?', output_text: '...' }), span({ input_text: null, output_text: null })]);
    const fine = await runDoctor(db, { shapes: TEST_SHAPES });
    expect(of(fine, 'search-vectors').map((x) => x.status)).toEqual(['pass', 'info']);
    expect(of(fine, 'search-vectors')[1]!.message).toMatch(/^1 rows hold only stop words/);

    // Break the generated column the way a hand-made schema change would.
    await db.query('ALTER TABLE llm_traces ALTER COLUMN search_tsv DROP EXPRESSION');
    await db.query(`UPDATE llm_traces SET search_tsv = ''::tsvector WHERE id IN (SELECT id FROM llm_traces WHERE input_text <> '' ORDER BY id LIMIT 3)`);
    const r = await runDoctor(db, { shapes: TEST_SHAPES });
    const broken = of(r, 'search-vectors')[0]!;
    expect(broken.status).toBe('fail');
    expect(broken.message).toMatch(/^3 rows have text but an empty search vector.*no longer a generated column/);
    expect(broken.fix).toMatch(/^UPDATE llm_traces SET input_text = input_text WHERE search_tsv = ''::tsvector/);
    expect(r.ok).toBe(false);
  });
});

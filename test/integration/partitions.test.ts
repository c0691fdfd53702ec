// Time partitions of llm_traces (migration 0009) on both engines: routing,
// idempotent ingest with ts in the identity, the rollup triggers on the
// partitioned parent, upkeep ahead of ingest, retention by whole partitions
// (rollups keep the history), pruning, and the upgrade of a populated
// unpartitioned table.
import { expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { seedDatabase } from '../../src/seed/seed-database.js';
import { migrate } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { analysedPartitionRows, partitionUpkeep, PARTITION_AHEAD_DAYS, utcDay } from '../../src/storage/partitions.js';
import { recentWindowOf } from '../../src/traces/recent-window.js';
import type { Driver } from '../../src/storage/driver.js';
import { insertSpanRecords } from '../../src/storage/span-writer.js';
import { describeEachBackend } from '../helpers/backends.js';
import { TEST_SHAPES } from '../helpers/doctor-shapes.js';
import { partitionOf } from '../helpers/partitions.js';
import { toRecord } from '../helpers/span-records.js';
import { insertSpans, span } from '../helpers/spans.js';

const DAY_MS = 86_400_000;
const NOW = Date.now();
const TODAY = utcDay(NOW).getTime();
const at = (days: number, hours = 12) => new Date(TODAY + days * DAY_MS + hours * 3_600_000).toISOString();

async function count(db: Driver, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
}

/** Spans per hour bucket in llm_rollup_1h against the spans stored, for the project. */
async function rollupMatchesSpans(db: Driver, project: string): Promise<{ rollup: number; spans: number; mismatched: number }> {
  const rollup = await count(db, `SELECT coalesce(sum(request_count), 0) AS n FROM llm_rollup_1h WHERE project_id = $1`, [project]);
  const spans = await count(db, `SELECT count(*) AS n FROM llm_traces WHERE project_id = $1`, [project]);
  const mismatched = await count(
    db,
    `SELECT count(*) AS n FROM (
       SELECT date_trunc('hour', ts, 'UTC') AS bucket, count(*) AS c FROM llm_traces WHERE project_id = $1 GROUP BY 1) s
     FULL JOIN (SELECT bucket, sum(request_count) AS c FROM llm_rollup_1h WHERE project_id = $1 GROUP BY 1) r USING (bucket)
     WHERE s.c IS DISTINCT FROM r.c`,
    [project],
  );
  return { rollup, spans, mismatched };
}

describeEachBackend('time partitions', (backend) => {
  const db = () => backend().driver;

  it('is a partitioned table with a default partition and the days ahead', async () => {
    expect(await count(db(), `SELECT count(*) AS n FROM pg_class WHERE oid = 'llm_traces'::regclass AND relkind = 'p'`)).toBe(1);
    expect(await partitionOf(db(), at(0))).toMatch(/^llm_traces_[pw]\d{8}$/);
    expect(await partitionOf(db(), at(PARTITION_AHEAD_DAYS - 1))).toMatch(/^llm_traces_[pw]\d{8}$/);
    expect(await partitionOf(db(), '1999-06-01T00:00:00Z')).toBe('llm_traces_default');
  });

  it('makes week partitions, and day partitions for the rest of a week that days already cover in part', async () => {
    // A week eight weeks back, with one day partition in it (as databases made before weeks have).
    const monday = new Date(utcDay(NOW).getTime() - 56 * DAY_MS);
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
    const wednesday = new Date(monday.getTime() + 2 * DAY_MS);
    await db().query(`SELECT tracelens_create_partition(tracelens_partition_name($1), $1, $1 + interval '24 hours')`, [wednesday]);
    expect(await count(db(), `SELECT tracelens_ensure_partitions($1, $2) AS n`, [monday, new Date(monday.getTime() + 14 * DAY_MS)])).toBe(7);
    const names = [];
    for (let d = 0; d < 14; d++) names.push(await partitionOf(db(), new Date(monday.getTime() + d * DAY_MS + 3_600_000).toISOString()));
    const ymd = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
    expect(names.slice(0, 7)).toEqual([0, 1, 2, 3, 4, 5, 6].map((d) => `llm_traces_p${ymd(monday.getTime() + d * DAY_MS)}`));
    expect(new Set(names.slice(7))).toEqual(new Set([`llm_traces_w${ymd(monday.getTime() + 7 * DAY_MS)}`]));
    // Idempotent.
    expect(await count(db(), `SELECT tracelens_ensure_partitions($1, $2) AS n`, [monday, new Date(monday.getTime() + 14 * DAY_MS)])).toBe(0);
  });

  it('stores far-past and far-future spans (default partition) and re-sent spans once', async () => {
    const spans = [span({ project_id: 'p-route', ts: '1999-06-01T00:00:00Z' }), span({ project_id: 'p-route', ts: '2990-01-01T00:00:00Z' }), span({ project_id: 'p-route', ts: at(0) })];
    expect(await insertSpanRecords(db(), spans.map(toRecord))).toBe(3);
    // Re-sent: same identity and start time, counted once.
    expect(await insertSpanRecords(db(), spans.map(toRecord))).toBe(0);
    const where = await db().query<{ part: string; ts: Date }>(`SELECT tableoid::regclass::text AS part, ts FROM llm_traces WHERE project_id = 'p-route' ORDER BY ts`);
    expect(where.rows.map((r) => r.part)).toEqual(['llm_traces_default', await partitionOf(db(), at(0)), 'llm_traces_default']);
    expect(await rollupMatchesSpans(db(), 'p-route')).toEqual({ rollup: 3, spans: 3, mismatched: 0 });
  });

  it('the seeder (COPY on PostgreSQL) fills the partitions it creates first, the rollups follow, and searches read the arrival rate from its statistics', async () => {
    const res = await seedDatabase(db(), { rows: 300, projects: 1, days: 20, seed: 77, end: new Date(NOW), batch: 100 });
    expect(res.method).toBe(backend().name === 'postgres' ? 'copy' : 'insert');
    const projects = (await db().query<{ p: string }>(`SELECT DISTINCT project_id AS p FROM llm_traces WHERE span_name <> 'llm.chat.completion' AND project_id NOT LIKE 'p-%'`)).rows.map((r) => r.p);
    expect(projects.length).toBe(1);
    expect(await count(db(), `SELECT count(*) AS n FROM llm_traces_default WHERE project_id = $1`, projects)).toBe(0);
    expect(await rollupMatchesSpans(db(), projects[0]!)).toEqual({ rollup: res.rows, spans: res.rows, mismatched: 0 });
    // The seeder analyses what it loaded: searches learn the recent arrival rate from it.
    await db().query('ANALYZE llm_traces');
    const counted = await analysedPartitionRows(db());
    expect(counted.length).toBeGreaterThan(0);
    expect(counted.reduce((a, p) => a + p.rows, 0)).toBeGreaterThan(0);
    expect(counted.every((p, i) => i === 0 || p.lo < counted[i - 1]!.lo)).toBe(true);
    expect(await recentWindowOf(db()).since(NOW, NOW)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('keeps the rollups exact for statements on the partitioned parent: multi-row insert, update, delete', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => toRecord(span({ project_id: 'p-rollup', ts: at(-(i % 3), i % 24), duration_ms: 100 + i })));
    // Duplicates inside one statement and across statements.
    expect(await insertSpanRecords(db(), [...rows, ...rows.slice(0, 5)])).toBe(40);
    expect(await insertSpanRecords(db(), rows.slice(10, 20))).toBe(0);
    expect(await rollupMatchesSpans(db(), 'p-rollup')).toEqual({ rollup: 40, spans: 40, mismatched: 0 });
    await db().query(`UPDATE llm_traces SET duration_ms = duration_ms + 1 WHERE project_id = 'p-rollup' AND duration_ms < 110`);
    await db().query(`DELETE FROM llm_traces WHERE project_id = 'p-rollup' AND duration_ms > 130`);
    const after = await rollupMatchesSpans(db(), 'p-rollup');
    expect(after.mismatched).toBe(0);
    expect(after.rollup).toBe(after.spans);
    const durations = await count(db(), `SELECT coalesce(sum(duration_sum), 0) AS n FROM llm_rollup_1d WHERE project_id = 'p-rollup'`);
    expect(durations).toBe(await count(db(), `SELECT sum(duration_ms) AS n FROM llm_traces WHERE project_id = 'p-rollup'`));
  });

  it('prunes partitions in the plan of a time-bounded query, and the doctor checks it', async () => {
    const plan = await db().query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM llm_traces WHERE ts >= $1 AND ts < $2`, [at(0, 1), at(0, 2)]);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain(await partitionOf(db(), at(0)));
    expect(text).not.toContain('llm_traces_default');
    expect(text).not.toContain(await partitionOf(db(), at(7)));
    const report = await runDoctor(db(), { shapes: TEST_SHAPES });
    const checks = report.results.filter((r) => r.check === 'partitions');
    expect(checks.map((r) => [r.subject, r.status])).toEqual([
      ['pruning', 'pass'],
      ['days ahead', 'pass'],
      ['default partition', 'pass'],
      // Concurrent statements and their locks: PostgreSQL only (the embedded engine has one connection).
      // Its verdict depends on the server's max_locks_per_transaction (doctor.test.ts checks the count).
      ...(db().engine === 'postgres' ? [['lock table', expect.stringMatching(/^(pass|warn)$/)]] : []),
    ]);
    expect((checks[0]!.data!.read as string[]).length).toBeLessThanOrEqual(2);
  });

  it('upkeep moves default-partition spans of the kept range into their day partition without touching the rollups', async () => {
    // A day 32 days back has no partition yet (the seeder's weeks start at most 26 days back): its spans are in the default partition.
    const old = Array.from({ length: 6 }, (_, i) => toRecord(span({ project_id: 'p-adopt', ts: at(-32, i) })));
    await insertSpanRecords(db(), old);
    expect(await partitionOf(db(), at(-32))).toBe('llm_traces_default');
    const before = await rollupMatchesSpans(db(), 'p-adopt');
    const res = await partitionUpkeep(db(), 90, NOW);
    expect(res.ran).toBe(true);
    expect(res.adopted).toBeGreaterThanOrEqual(1);
    expect(await partitionOf(db(), at(-32))).toMatch(/^llm_traces_[pw]\d{8}$/);
    // Its week has passed and statistics never counted it: the pass does, once, for the searches' arrival rate.
    expect(res.analysed).toContain(await partitionOf(db(), at(-32)));
    expect(await count(db(), `SELECT reltuples::int AS n FROM pg_class WHERE relname = $1`, [await partitionOf(db(), at(-32))])).toBeGreaterThanOrEqual(6);
    expect((await partitionUpkeep(db(), 90, NOW)).analysed).not.toContain(await partitionOf(db(), at(-32)));
    expect(await count(db(), `SELECT count(*) AS n FROM llm_traces_default WHERE project_id = 'p-adopt'`)).toBe(0);
    expect(await rollupMatchesSpans(db(), 'p-adopt')).toEqual(before);
    expect(before).toEqual({ rollup: 6, spans: 6, mismatched: 0 });
    // Idempotent: a second pass has nothing to do.
    const again = await partitionUpkeep(db(), 90, NOW);
    expect([again.created, again.adopted, again.dropped]).toEqual([0, 0, []]);
  });

  it('retention drops whole partitions; hourly and daily rollups keep the history, minute buckets go with the spans', async () => {
    const old = Array.from({ length: 5 }, (_, i) => toRecord(span({ project_id: 'p-retain', ts: at(-40, i), attributes: { n: i } })));
    const recent = Array.from({ length: 3 }, (_, i) => toRecord(span({ project_id: 'p-retain', ts: at(-1, i), attributes: { n: i } })));
    await insertSpanRecords(db(), [...old, ...recent]);
    await partitionUpkeep(db(), 0, NOW); // RETENTION_DAYS=0: keeps everything, gives the old day its partition
    const oldPartition = await partitionOf(db(), at(-40));
    expect(oldPartition).toMatch(/^llm_traces_[pw]\d{8}$/);

    const res = await partitionUpkeep(db(), 30, NOW);
    expect(res.dropped).toContain(oldPartition);
    expect(await count(db(), `SELECT count(*) AS n FROM pg_class WHERE relname = $1`, [oldPartition])).toBe(0);
    expect(await count(db(), `SELECT count(*) AS n FROM llm_traces WHERE project_id = 'p-retain'`)).toBe(3);
    // The side table of attribute numbers (0012) lets go of the dropped spans' entries, and only of those.
    expect(res.attributeNumbersDeleted).toBeGreaterThanOrEqual(5);
    expect(await count(db(), `SELECT count(*) AS n FROM llm_trace_attribute_numbers WHERE span_ts < $1`, [at(-30, 0)])).toBe(0);
    expect(
      await count(
        db(),
        `SELECT count(*) AS n FROM llm_traces t WHERE project_id = 'p-retain' AND NOT EXISTS (SELECT 1 FROM llm_trace_attribute_numbers a WHERE a.span_ts = t.ts AND a.span_pk = t.id AND a.attr_path = '{n}')`,
      ),
    ).toBe(0);
    // No DELETE ran: the hourly and daily rollups still count the dropped day.
    expect(await count(db(), `SELECT sum(request_count) AS n FROM llm_rollup_1h WHERE project_id = 'p-retain'`)).toBe(8);
    expect(await count(db(), `SELECT sum(request_count) AS n FROM llm_rollup_1d WHERE project_id = 'p-retain'`)).toBe(8);
    expect(await count(db(), `SELECT coalesce(sum(request_count), 0) AS n FROM llm_rollup_1m WHERE project_id = 'p-retain'`)).toBe(3);
    // The rollups of the spans that remain are exact.
    expect(await count(db(), `SELECT sum(request_count) AS n FROM llm_rollup_1h WHERE project_id = 'p-retain' AND bucket >= $1`, [at(-30, 0)])).toBe(3);
    // Week rows (0016) are their days' sums, the dropped day's week included.
    const weeksOffDays = `SELECT count(*) AS n FROM ((${WEEKS} EXCEPT ${WEEKS_FROM_DAYS}) UNION ALL (${WEEKS_FROM_DAYS} EXCEPT ${WEEKS})) x`;
    expect(await count(db(), weeksOffDays)).toBe(0);
    expect(await count(db(), `SELECT sum(request_count) AS n FROM llm_rollup_user_1w WHERE project_id = 'p-retain'`)).toBe(8);
    // A rebuild starts from the stored spans and keeps the older history: whole weeks before the
    // oldest stored day as they were, the week that holds it summed again from its days.
    await db().query('SELECT tracelens_rollup_rebuild()');
    expect(await count(db(), `SELECT sum(request_count) AS n FROM llm_rollup_1h WHERE project_id = 'p-retain'`)).toBe(8);
    expect(await count(db(), weeksOffDays)).toBe(0);
    expect(await count(db(), `SELECT sum(request_count) AS n FROM llm_rollup_user_1w WHERE project_id = 'p-retain'`)).toBe(8);
    expect((await rollupMatchesSpans(db(), 'p-rollup')).mismatched).toBe(0);
  });
});

/** The per-user week rows, and the same figures summed from the day rows. */
const WEEKS = `SELECT project_id, bucket, user_id, request_count, total_cost_sum, ts_min, ts_max FROM llm_rollup_user_1w`;
const WEEKS_FROM_DAYS = `SELECT project_id, date_trunc('week', bucket, 'UTC'), user_id, sum(request_count)::bigint, sum(total_cost_sum), min(ts_min), max(ts_max) FROM llm_rollup_user_1d GROUP BY 1, 2, 3`;

describeEachBackend(
  'upgrade of an unpartitioned llm_traces',
  (backend) => {
    const db = () => backend().driver;

    it('keeps every row, every index (those added before it too), the triggers and the rollups', async () => {
      await migrate(db(), MIGRATIONS.filter((m) => m.id < '0009'));
      // An index a migration before 0009 might add: carried over from the catalog.
      await db().query('CREATE INDEX llm_traces_upgrade_extra_idx ON llm_traces (span_name, ts DESC) WHERE status_code = $$ERROR$$');
      await db().query(
        `INSERT INTO llm_traces (ts, trace_id, span_id, project_id, span_name, duration_ms, status_code)
         SELECT now() - (i || ' hours')::interval, 't' || i, 's' || i, 'p-up', 'call', i, CASE WHEN i % 10 = 0 THEN 'ERROR' ELSE 'OK' END
           FROM generate_series(1, 300) i`,
      );
      const indexes = async () =>
        (await db().query<{ name: string }>(`SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'llm_traces'::regclass ORDER BY 1`)).rows.map((r) => r.name);
      const before = await indexes();
      const ids = await count(db(), 'SELECT max(id) AS n FROM llm_traces');

      expect((await migrate(db())).applied).toEqual(MIGRATIONS.filter((m) => m.id >= '0009').map((m) => m.id));

      expect(await count(db(), `SELECT count(*) AS n FROM llm_traces WHERE project_id = 'p-up'`)).toBe(300);
      const after = await indexes();
      // Every index but the two unique ones without ts, which the new identity replaces.
      // 0012 (applied with it) adds two indexes of its own.
      const later = ['llm_traces_ids_trgm_idx', 'llm_traces_attribute_strings_trgm_idx'];
      expect(after).toEqual([...before.filter((n) => n !== 'llm_traces_pkey' && n !== 'llm_traces_identity_uq'), 'llm_traces_span_uq', ...later].sort());
      expect(after).toContain('llm_traces_upgrade_extra_idx');
      // The old table is one partition, below a cutoff; its indexes are the parent's (attached, not rebuilt).
      expect(await partitionOf(db(), new Date(NOW - 3_600_000))).toBe('llm_traces_legacy');
      expect(await count(db(), `SELECT count(*) AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'llm_traces_legacy'::regclass AND NOT c.relispartition`)).toBe(0);
      expect(await rollupMatchesSpans(db(), 'p-up')).toEqual({ rollup: 300, spans: 300, mismatched: 0 });

      // Ingest goes on: ids continue, the rollups follow, a re-sent span is stored once.
      const next = [toRecord(span({ project_id: 'p-up', ts: new Date(NOW).toISOString() })), toRecord(span({ project_id: 'p-up', ts: at(5) }))];
      expect(await insertSpanRecords(db(), next)).toBe(2);
      expect(await insertSpanRecords(db(), next)).toBe(0);
      expect(await count(db(), `SELECT min(id) AS n FROM llm_traces WHERE project_id = 'p-up' AND span_id LIKE 'span-%'`)).toBeGreaterThan(ids);
      expect(await rollupMatchesSpans(db(), 'p-up')).toEqual({ rollup: 302, spans: 302, mismatched: 0 });
      // The wide partition leaves as a whole once its newest possible span is past retention.
      const res = await partitionUpkeep(db(), 1, NOW + 10 * DAY_MS);
      expect(res.dropped).toContain('llm_traces_legacy');
    });
  },
  { migrate: false },
);

describeEachBackend(
  'upgrade of an unpartitioned llm_traces holding a far-future span',
  (backend) => {
    it('never fails on data: the old table partition reaches past the newest span, and the doctor says so', async () => {
      const db = backend().driver;
      await migrate(db, MIGRATIONS.filter((m) => m.id < '0009'));
      // Written as before 0009 (the old identity has no ts).
      await insertSpans(db, [span({ project_id: 'p-far', ts: at(0) }), span({ project_id: 'p-far', ts: '2990-01-01T00:00:00Z' })]);
      expect((await migrate(db)).applied).toEqual(MIGRATIONS.filter((m) => m.id >= '0009').map((m) => m.id));
      expect(await partitionOf(db, '2990-01-01T00:00:00Z')).toBe('llm_traces_legacy');
      expect(await count(db, `SELECT count(*) AS n FROM llm_traces WHERE project_id = 'p-far'`)).toBe(2);
      const report = await runDoctor(db, { shapes: TEST_SHAPES });
      const ahead = report.results.find((r) => r.check === 'partitions' && r.subject === 'days ahead')!;
      expect(ahead.status).toBe('warn');
      expect(ahead.message).toMatch(/^llm_traces_legacy covers up to 2990-01-02/);
      // Ingest still works, into the wide partition.
      expect(await insertSpanRecords(db, [toRecord(span({ project_id: 'p-far', ts: at(1) }))])).toBe(1);
    });
  },
  { migrate: false },
);

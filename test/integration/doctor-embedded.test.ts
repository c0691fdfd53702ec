// The doctor on the embedded engine (PGlite): the checks that apply there run,
// the PostgreSQL-only ones say so, and maintain works the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaintenance } from '../../src/doctor/maintain.js';
import { runDoctor, type DoctorReport } from '../../src/doctor/run-doctor.js';
import { migrate } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { seedDatabase } from '../../src/seed/seed-database.js';
import { openBackend, type Backend } from '../helpers/backends.js';
import { TEST_SHAPES } from '../helpers/doctor-shapes.js';
import { leafIndex } from '../helpers/partitions.js';

let backend: Backend;
const of = (r: DoctorReport, check: string) => r.results.filter((x) => x.check === check);

beforeAll(async () => {
  // Unmigrated at first: the first test checks the doctor on a bare database, then migrates it.
  backend = await openBackend('embedded', { migrate: false });
});

afterAll(async () => {
  await backend?.close();
});

describe('tracelens doctor [embedded]', () => {
  it('fails on a database that was never migrated', async () => {
    const r = await runDoctor(backend.driver, { shapes: TEST_SHAPES });
    expect(r.ok).toBe(false);
    expect(r.results).toEqual([expect.objectContaining({ check: 'schema', status: 'fail', fix: 'tracelens migrate' })]);
    // Only the first migration: later ones ANALYZE the table, and the next test
    // needs a table that has never been analyzed.
    await migrate(backend.driver, MIGRATIONS.slice(0, 1));
  });

  it('warns before the first analyze, then passes once maintain has run', async () => {
    const fresh = await runDoctor(backend.driver, { shapes: TEST_SHAPES });
    expect(of(fresh, 'table-health')[0]).toMatchObject({ status: 'warn', message: expect.stringMatching(/never been analyzed/) });

    await migrate(backend.driver);
    await seedDatabase(backend.driver, { rows: 300, projects: 2, days: 3, seed: 5, end: new Date(), batch: 300 });
    const steps = await runMaintenance(backend.driver);
    expect(steps.map((s) => s.sql)).toEqual(['VACUUM (ANALYZE) llm_traces']);

    const r = await runDoctor(backend.driver, { shapes: TEST_SHAPES });
    expect(r.engine).toBe('embedded');
    expect(r.results.filter((x) => x.status === 'warn' || x.status === 'fail')).toEqual([]);
    expect(r.ok).toBe(true);
    expect(of(r, 'query-plans').find((x) => x.subject === 'content search')?.data?.indexes).toContain('llm_traces_search_tsv_idx');
    // PostgreSQL-only checks are skipped with the reason, not silently left out.
    for (const check of ['cache-hit-ratio', 'slow-statements']) {
      expect(of(r, check)).toEqual([expect.objectContaining({ status: 'skip', message: expect.stringMatching(/^PostgreSQL only: /) })]);
    }
  });

  it('fails on a dropped index and an invalid one; maintain rebuilds the invalid one', async () => {
    const db = backend.driver;
    await db.query('DROP INDEX llm_traces_provider_model_ts_idx');
    // One partition's index (REINDEX CONCURRENTLY rebuilds partition by partition).
    const leaf = await leafIndex(db, 'llm_traces_trace_id_idx');
    await db.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${leaf}'::regclass`);
    const r = await runDoctor(db, { shapes: TEST_SHAPES });
    expect(r.ok).toBe(false);
    expect(of(r, 'indexes').map((x) => [x.subject, x.status])).toEqual([
      ['llm_traces_provider_model_ts_idx', 'fail'],
      [leaf, 'fail'],
    ]);

    const steps = await runMaintenance(db);
    expect(steps.map((s) => s.sql)).toEqual([`REINDEX INDEX CONCURRENTLY ${leaf}`, 'VACUUM (ANALYZE) llm_traces']);
    const after = await runDoctor(db, { shapes: TEST_SHAPES });
    // maintain repairs, it never creates: the dropped index is still reported.
    expect(of(after, 'indexes').map((x) => [x.subject, x.status])).toEqual([['llm_traces_provider_model_ts_idx', 'fail']]);
  });
});

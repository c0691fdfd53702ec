// Where an export's lines come from, below the HTTP layer: however the rows are
// split into batches (the PostgreSQL cursor keeps one fetch in flight ahead of
// the consumer), every row arrives once, in order; closing mid-export while a
// fetch is in flight ends the backend; and on PostgreSQL each fetch is bounded
// by the export's own statement timeout (EXPORT_STATEMENT_TIMEOUT_MS), not the
// API's, and a timeout is a 504 before any byte is sent.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSearchRequest } from '../../src/export/export-request.js';
import { openLineSource, type LineQuery, type LineSource } from '../../src/export/line-source.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { migrate } from '../../src/storage/migrate.js';
import { resolveBounds } from '../../src/traces/page-sql.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { createTestDatabase, describeEachBackend, TEST_POOL } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { exportSpans, parseCsvRows } from '../helpers/export.js';
import { principal } from '../helpers/principal.js';
import { insertSpans } from '../helpers/spans.js';

const ROWS = 150;

function query(body: Record<string, unknown>, format: 'ndjson' | 'csv', rowLimit: number | null = null): LineQuery {
  const req = exportSearchRequest(body, principal('admin', 'all'));
  return { req, bounds: resolveBounds(req, Date.now()), format, rowLimit };
}

async function readAll(source: LineSource): Promise<{ lines: string[]; batches: number }> {
  const lines: string[] = [];
  let batches = 0;
  try {
    for (let batch = await source.next(); batch !== null; batch = await source.next()) {
      batches++;
      lines.push(...batch);
    }
  } finally {
    await source.close();
  }
  return { lines, batches };
}

describeEachBackend('export line source', (backend) => {
  beforeAll(async () => {
    await insertSpans(backend().driver, exportSpans(ROWS));
  });

  for (const format of ['ndjson', 'csv'] as const) {
    it(`reads every ${format} line once, in order, in batches of any size`, async () => {
      const body = { sort_by: 'duration_ms', sort_desc: true };
      const whole = await readAll(await openLineSource(backend().driver, query(body, format), { maxBatchRows: 100_000, statementTimeoutMs: 0 }));
      expect(whole.lines).toHaveLength(ROWS);
      const small = await readAll(await openLineSource(backend().driver, query(body, format), { maxBatchRows: 7, statementTimeoutMs: 0 }));
      expect(small.batches).toBeGreaterThanOrEqual(Math.ceil(ROWS / 7));
      expect(small.lines).toEqual(whole.lines);
      const capped = await readAll(await openLineSource(backend().driver, query(body, format, 23), { maxBatchRows: 7, statementTimeoutMs: 0 }));
      expect(capped.lines).toEqual(whole.lines.slice(0, 23));
    });
  }
});

describe('export line source on PostgreSQL: closing and the export statement timeout [postgres]', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let driver: PostgresDriver;
  let observer: pg.Client;
  const APP = 'tracelens-export-source-test';

  const backends = async () =>
    (await observer.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [APP])).rows[0]!.n;

  beforeAll(async () => {
    db = await createTestDatabase();
    driver = new PostgresDriver({ url: db.url, pool: TEST_POOL });
    await migrate(driver);
    await insertSpans(driver, exportSpans(ROWS));
    observer = new pg.Client({ connectionString: db.url });
    await observer.connect();
  }, 120_000);
  afterAll(async () => {
    await observer?.end();
    await driver?.close();
    await db?.drop();
  });

  it('ends the backend when closed while the next fetch is in flight', { timeout: 30_000 }, async () => {
    const source = await openLineSource(driver, query({}, 'csv'), { maxBatchRows: 5, statementTimeoutMs: 0, applicationName: APP });
    expect(await source.next()).toHaveLength(5);
    expect(await backends()).toBe(1);
    await source.close();
    await eventually(async () => (await backends()) === 0, 5000, 50);
  });

  it('fails a fetch past EXPORT_STATEMENT_TIMEOUT_MS with QUERY_TIMEOUT, and the stream answers 504 before any byte', { timeout: 30_000 }, async () => {
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    // The API's own timeout is long: only the export's can end the lock wait.
    const apiDriver = new PostgresDriver({ url: db.url, pool: { ...TEST_POOL, statementTimeoutMs: 60_000 } });
    const app = await buildTestApp(apiDriver, { EXPORT_STATEMENT_TIMEOUT_MS: '300' });
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE llm_traces IN ACCESS EXCLUSIVE MODE');
      const source = await openLineSource(driver, query({}, 'ndjson'), { maxBatchRows: 10, statementTimeoutMs: 300, applicationName: APP });
      await expect(source.next()).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
      await source.close();
      const res = await app.inject({ method: 'POST', url: '/api/v1/traces/export', headers: await bearer({ role: 'admin' }), payload: { format: 'csv' } });
      expect(res.statusCode).toBe(504);
      expect(res.json().error.code).toBe('QUERY_TIMEOUT');
      await locker.query('ROLLBACK');
      // Without the lock the same export runs to its end.
      const ok = await app.inject({ method: 'POST', url: '/api/v1/traces/export', headers: await bearer({ role: 'admin' }), payload: { format: 'csv' } });
      expect(ok.statusCode).toBe(200);
      expect(parseCsvRows(ok.body).rows).toHaveLength(ROWS);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await app.close();
      await apiDriver.close();
    }
  });
});

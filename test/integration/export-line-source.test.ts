// Where an export's lines come from, below the HTTP layer: however the rows are
// split into batches (the PostgreSQL cursor keeps one fetch in flight ahead of
// the consumer, and takes rows as bytes off the socket, rows far longer than a
// socket read included), every row arrives once, in order, framed the same;
// closing mid-export while a
// fetch is in flight ends the backend; and on PostgreSQL each fetch is bounded
// by the export's own statement timeout (EXPORT_STATEMENT_TIMEOUT_MS), not the
// API's, and a timeout is a 504 before any byte is sent.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSearchRequest } from '../../src/export/export-request.js';
import { framingOf } from '../../src/export/formats.js';
import { openLineSource, type LineQuery, type LineSource, type SourceOptions } from '../../src/export/line-source.js';
import { RowFramer } from '../../src/export/row-framer.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { migrate } from '../../src/storage/migrate.js';
import { resolveBounds } from '../../src/traces/page-sql.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { createTestDatabase, describeEachBackend, TEST_POOL } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { exportSpans, parseCsvRows } from '../helpers/export.js';
import { principal } from '../helpers/principal.js';
import { insertSpans, span } from '../helpers/spans.js';
import type { Driver } from '../../src/storage/driver.js';

const ROWS = 150;
/** One row of about 400 kB: its DataRow message spans many socket reads. */
const LONG = span({ trace_id: 'long', span_id: 'long-0', input_text: 'x'.repeat(200_000), output_text: `"${'y'.repeat(199_990)}"` });

function query(body: Record<string, unknown>, format: 'ndjson' | 'csv', rowLimit: number | null = null): LineQuery {
  const req = exportSearchRequest(body, principal('admin', 'all'));
  return { req, bounds: resolveBounds(req, Date.now()), format, rowLimit };
}

const open = (db: Driver, q: LineQuery, o: SourceOptions, format: 'ndjson' | 'csv' | 'json' = q.format) => openLineSource(db, q, o, new RowFramer(framingOf(format)));

async function readAll(source: LineSource): Promise<{ text: string; rows: number; batches: number }> {
  const chunks: Buffer[] = [];
  let rows = 0;
  let batches = 0;
  try {
    for (let batch = await source.next(); batch !== null; batch = await source.next()) {
      batches++;
      rows += batch.rows;
      chunks.push(batch.chunk);
    }
  } finally {
    await source.close();
  }
  return { text: Buffer.concat(chunks).toString('utf8'), rows, batches };
}

describeEachBackend('export line source', (backend) => {
  beforeAll(async () => {
    await insertSpans(backend().driver, [...exportSpans(ROWS - 1), LONG]);
  });

  for (const [line, format] of [['ndjson', 'ndjson'], ['csv', 'csv'], ['ndjson', 'json']] as const) {
    it(`reads every ${format} row once, in order, in batches of any size`, async () => {
      const body = { sort_by: 'duration_ms', sort_desc: true };
      const db = backend().driver;
      const whole = await readAll(await open(db, query(body, line), { maxBatchRows: 100_000, statementTimeoutMs: 0 }, format));
      expect(whole.rows).toBe(ROWS);
      expect(whole.text).toContain('x'.repeat(200_000));
      if (format === 'ndjson') expect(whole.text.split('\n').slice(0, -1).map((l) => JSON.parse(l))).toHaveLength(ROWS);
      if (format === 'json') expect(JSON.parse(`[${whole.text}]`)).toHaveLength(ROWS);
      const small = await readAll(await open(db, query(body, line), { maxBatchRows: 7, statementTimeoutMs: 0 }, format));
      expect(small.batches).toBeGreaterThanOrEqual(Math.ceil(ROWS / 7));
      expect(small.rows).toBe(ROWS);
      expect(small.text).toBe(whole.text);
      const capped = await readAll(await open(db, query(body, line, 23), { maxBatchRows: 7, statementTimeoutMs: 0 }, format));
      expect(capped.rows).toBe(23);
      expect(whole.text.startsWith(capped.text)).toBe(true);
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
    const source = await open(driver, query({}, 'csv'), { maxBatchRows: 5, statementTimeoutMs: 0, applicationName: APP });
    expect((await source.next())?.rows).toBe(5);
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
      const source = await open(driver, query({}, 'ndjson'), { maxBatchRows: 10, statementTimeoutMs: 300, applicationName: APP });
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

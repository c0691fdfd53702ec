// PostgreSQL: an export's query ends the moment its reader goes away, visible
// in pg_stat_activity (the export's own connection, application_name
// tracelens-export, disappears while nothing else would end it):
//  - a client that drops the socket while the query still waits for a lock;
//  - a client that stops reading mid-stream and then drops the socket;
//  - an export job cancelled while its query runs;
//  - a job whose server process is killed is run again by another worker.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { bearer, buildTestApp, TEST_SECRET } from '../helpers/app.js';
import { createTestDatabase, TEST_POOL } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { insertSpans, span } from '../helpers/spans.js';

/**
 * Holds llm_traces (every partition) in ACCESS EXCLUSIVE mode inside an open
 * transaction. A server started by the test may be running its partition
 * upkeep (ANALYZE, creating next week's partition) at that moment, which
 * takes the same locks in another order: PostgreSQL then ends one side with
 * a deadlock error. The lock is the test's setup, not its subject, so it is
 * taken again after such a deadlock.
 */
async function lockTraces(client: pg.Client): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await client.query('BEGIN');
    try {
      await client.query('LOCK TABLE llm_traces IN ACCESS EXCLUSIVE MODE');
      return;
    } catch (err) {
      await client.query('ROLLBACK');
      if ((err as { code?: string }).code !== '40P01' || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

describe('export stops its query when the reader goes away [postgres]', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let driver: PostgresDriver;
  let app: FastifyInstance;
  let port: number;
  let headers: Record<string, string>;
  let observer: pg.Client;
  let locker: pg.Client;
  let dir: string;

  const exportBackends = async () =>
    (
      await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tracelens-export'`,
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    db = await createTestDatabase();
    driver = new PostgresDriver({ url: db.url, pool: TEST_POOL });
    await migrate(driver);
    await insertSpans(driver, [span({ trace_id: 'big', span_id: 'big-0', parent_span_id: 'p'.repeat(4000), input_text: null, output_text: null })]);
    // 8000 rows of 4 kB, in a column no index covers (cheap to load on a busy machine):
    // far more than the socket buffers and the stream's buffer hold.
    // Without a statement timeout: on a busy machine the full-text and trigram indexes make this slow.
    const loader = new pg.Client({ connectionString: db.url });
    await loader.connect();
    await loader.query(
      `INSERT INTO llm_traces (ts, trace_id, span_id, parent_span_id, project_id, span_name, duration_ms, status_code)
       SELECT ts + g * interval '1 ms', trace_id, 'big-' || g, parent_span_id, project_id, span_name, duration_ms, status_code
         FROM llm_traces, generate_series(1, 8000) g`,
    );
    await loader.end();
    dir = mkdtempSync(join(tmpdir(), 'tracelens-export-pg-'));
    app = await buildTestApp(driver, { EXPORT_DIR: dir });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    headers = await bearer({ role: 'viewer', projects: ['proj-a'], orgId: 'org-1', sub: 'alice' });
    observer = new pg.Client({ connectionString: db.url });
    await observer.connect();
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
  }, 180_000);
  afterAll(async () => {
    await locker?.end();
    await observer?.end();
    await app?.close();
    await driver?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts an export over a real socket; the response is left unread (paused). */
  function startExport(body: object): { req: http.ClientRequest; response: Promise<http.IncomingMessage> } {
    const payload = JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/traces/export',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
    });
    req.end(payload);
    return { req, response };
  }

  it('ends the query of a client that leaves while it waits for a lock', { timeout: 30_000 }, async () => {
    await lockTraces(locker);
    try {
      const { req, response } = startExport({ format: 'csv' });
      response.catch(() => undefined);
      await eventually(async () => (await exportBackends()) === 1, 10_000, 50);
      req.destroy();
      // Gone while the lock is still held: only the server ending it can explain that.
      await eventually(async () => (await exportBackends()) === 0, 5000, 50);
    } finally {
      await locker.query('ROLLBACK');
    }
  });

  it('ends the query of a client that stops reading mid-stream and leaves', { timeout: 30_000 }, async () => {
    const { req, response } = startExport({});
    const res = await response;
    expect(res.statusCode).toBe(200);
    // Read one chunk, then stop: the server fills the socket and waits.
    await new Promise<void>((resolve) => {
      res.once('data', () => resolve());
      res.resume();
    });
    res.pause();
    await new Promise((r) => setTimeout(r, 300));
    expect(await exportBackends()).toBe(1);
    req.destroy();
    await eventually(async () => (await exportBackends()) === 0, 5000, 50);
    // The service answers normally afterwards.
    const after = await app.inject({ method: 'POST', url: '/api/v1/traces/export', headers, payload: { fields: ['span_id'], filter: { field: 'span_id', operator: 'eq', value: 'big-0' } } });
    expect(after.body).toBe('{"span_id":"big-0"}\n');
  });

  it('ends the query of a job cancelled while it runs, and removes its file', { timeout: 30_000 }, async () => {
    await lockTraces(locker);
    try {
      const created = await app.inject({ method: 'POST', url: '/api/v1/export/traces', headers, payload: { format: 'csv' } });
      const id = created.json().data.job_id as string;
      await eventually(async () => (await exportBackends()) === 1, 10_000, 50);
      expect((await app.inject({ method: 'DELETE', url: `/api/v1/export/jobs/${id}`, headers })).statusCode).toBe(204);
      await eventually(async () => (await exportBackends()) === 0, 5000, 50);
      await eventually(async () => app.exportWorker.running === 0, 5000, 50);
      expect(readdirSync(dir).filter((n) => n.startsWith(id))).toEqual([]);
      const job = (await app.inject({ method: 'GET', url: `/api/v1/export/jobs/${id}`, headers })).json().data;
      expect(job.status).toBe('cancelled');
    } finally {
      await locker.query('ROLLBACK');
    }
  });

  it('runs the job of a killed server process again on another worker', { timeout: 180_000 }, async () => {
    const serverPort = await freePort();
    let id: string;
    const server = runCli(['serve'], {
      DATABASE_URL: db.url,
      JWT_SECRET: TEST_SECRET,
      PORT: String(serverPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DEMO_DATA: 'false',
      EXPORT_DIR: dir,
      EXPORT_LEASE_MS: '1000',
      EXPORT_POLL_MS: '100',
    });
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${serverPort}/health`).catch(() => null))?.ok === true, 90_000, 200);
      await lockTraces(locker);
      try {
        const created = await fetch(`http://127.0.0.1:${serverPort}/api/v1/export/traces`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ format: 'jsonl', limit: 100 }),
        });
        expect(created.status).toBe(202);
        id = ((await created.json()) as { data: { job_id: string } }).data.job_id;
        // Its query waits on the lock: the job is mid-run when the process dies.
        await eventually(async () => (await exportBackends()) === 1, 30_000, 50);
        server.child.kill('SIGKILL');
        await server.exited;
      } finally {
        await locker.query('ROLLBACK');
      }
    } finally {
      server.child.kill('SIGKILL');
    }
    const stuck = (await app.inject({ method: 'GET', url: `/api/v1/export/jobs/${id!}`, headers })).json().data;
    expect(stuck.status).toBe('processing');
    // This process's worker takes it over once the dead one's lease runs out.
    await eventually(async () => {
      await app.exportWorker.tick();
      const job = (await app.inject({ method: 'GET', url: `/api/v1/export/jobs/${id}`, headers })).json().data;
      return job.status === 'completed';
    }, 30_000, 200);
    const job = (await app.inject({ method: 'GET', url: `/api/v1/export/jobs/${id!}`, headers })).json().data;
    expect(job.attempts).toBe(2);
    expect(job.rows).toBe(100);
  });
});

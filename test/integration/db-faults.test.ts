// The database going away must give fast, honest 503s with Retry-After, and
// the service must recover by itself when it returns: no restart.
import { ERRORS } from '../../src/errors.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { migrate } from '../../src/storage/migrate.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { createTestDatabase, TEST_POOL } from '../helpers/backends.js';
import { insertSpans, span } from '../helpers/spans.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/cache.js';

describe('database faults [postgres]', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let driver: PostgresDriver;
  let app: FastifyInstance;
  let headers: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const direct = new PostgresDriver({ url: db.url, pool: TEST_POOL });
    await migrate(direct);
    await insertSpans(direct, [span({ trace_id: 'tr-1', span_id: 's1' })]);
    await direct.close();
    const target = new URL(db.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    driver = new PostgresDriver({
      url: proxy.url(db.url),
      pool: { ...TEST_POOL, poolMax: 4, connectTimeoutMs: 1000, acquireTimeoutMs: 120_000, statementTimeoutMs: 2000 },
    });
    app = await buildTestApp(driver);
    headers = await bearer({ role: 'viewer', projects: ['proj-a'] });
  });
  afterAll(async () => {
    await app?.close();
    await driver?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('serves while the database is up', async () => {
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/traces/tr-1', headers })).statusCode).toBe(200);
  });

  it('answers 503 with Retry-After while the database refuses connections, then recovers without restart', async () => {
    await proxy.refuse();
    const health = await app.inject({ url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'unhealthy', database: 'unhealthy' });
    const read = await app.inject({ url: '/api/v1/traces/tr-1', headers });
    expect(read.statusCode).toBe(503);
    expect(read.json().error.code).toBe('DATABASE_UNAVAILABLE');
    expect(Number(read.headers['retry-after'])).toBeGreaterThan(0);
    // Requests that need no database still answer.
    expect((await app.inject({ url: '/api/v1/traces/tr-1' })).statusCode).toBe(401);

    await proxy.restore();
    // Throws (fails the test) unless the trace is served again within 10 s.
    await eventually(async () => (await app.inject({ url: '/api/v1/traces/tr-1', headers })).statusCode === 200, 10_000);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  // The acquire timeout is 120 s here and the test's own limit 40 s: finishing at all proves the bound.
  it('answers a stalled server with 503 long before the acquire timeout, then recovers', { timeout: 40_000 }, async () => {
    await app.inject({ url: '/api/v1/traces/tr-1', headers }); // a pooled connection exists
    proxy.stall();
    // The pooled connection goes silent: the client-side query timeout ends the wait.
    const onStalledConnection = await app.inject({ url: '/api/v1/traces/tr-1', headers });
    expect(onStalledConnection.statusCode).toBe(503);
    expect(onStalledConnection.headers['retry-after']).toBeDefined();
    // Right after, the fail-fast window answers without touching the database.
    expect((await app.inject({ url: '/api/v1/traces/tr-1', headers })).statusCode).toBe(503);
    await new Promise((r) => setTimeout(r, 1200));
    // A new connection into the stalled server: the connect timeout ends the wait.
    const onNewConnection = await app.inject({ url: '/api/v1/traces/tr-1', headers });
    expect(onNewConnection.statusCode).toBe(503);
    await proxy.restore();
    // Throws (fails the test) unless the trace is served again within 10 s.
    await eventually(async () => (await app.inject({ url: '/api/v1/traces/tr-1', headers })).statusCode === 200, 10_000);
  });

  it('answers 503 at once when the pool is exhausted, while database-free requests still answer', async () => {
    const small = new PostgresDriver({ url: db.url, pool: { ...TEST_POOL, poolMax: 1, maxWaiting: 0 } });
    try {
      const busy = small.query('SELECT pg_sleep(1.5)');
      await new Promise((r) => setTimeout(r, 200));
      await expect(small.query('SELECT 1')).rejects.toMatchObject({ code: 'DATABASE_BUSY', retryAfterS: ERRORS.DATABASE_BUSY.retryAfterS });
      await busy;
      await expect(small.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    } finally {
      await small.close();
    }
  });

  it('maps a statement past DB_STATEMENT_TIMEOUT_MS to QUERY_TIMEOUT and frees the backend', async () => {
    await expect(driver.query('SELECT pg_sleep(5)')).rejects.toMatchObject({ code: 'QUERY_TIMEOUT', statusCode: 504 });
    const active = await driver.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(5)' AND state = 'active'`,
    );
    expect(active.rows[0]!.n).toBe(0);
  });
});

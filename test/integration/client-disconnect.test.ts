// A client that goes away cancels its query. Over a real socket: a search
// (and a list) is held in PostgreSQL by a lock another session keeps on the
// table, so it stays active for as long as nobody cancels it; the client
// closes its socket, and the backend statement must leave pg_stat_activity
// while the lock is still held. Without the cancel it would wait for the lock
// or the 30 s statement timeout.
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { migrate } from '../../src/storage/migrate.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { createTestDatabase, TEST_POOL } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { insertSpans, span } from '../helpers/spans.js';

describe('client disconnect cancels its query [postgres]', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let driver: PostgresDriver;
  let app: FastifyInstance;
  let port: number;
  let headers: Record<string, string>;
  let locker: pg.Client;
  let observer: pg.Client;

  /** Statements of the service waiting on llm_traces (the locked table). */
  async function blockedStatements(): Promise<number> {
    const r = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'tracelens' AND state = 'active' AND query ILIKE '%llm_traces%'`,
    );
    return r.rows[0]!.n;
  }

  /** Sends a request over a real socket; returns a function that drops the connection. */
  function send(method: 'GET' | 'POST', path: string, body?: unknown, as: Record<string, string> = headers): { drop(): void; outcome: Promise<string> } {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1',
      port,
      method,
      path,
      headers: { ...as, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    });
    const outcome = new Promise<string>((resolve) => {
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (err) => resolve(`dropped: ${err.message}`));
    });
    req.end(payload);
    return { drop: () => req.destroy(), outcome };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    driver = new PostgresDriver({ url: db.url, pool: TEST_POOL });
    await migrate(driver);
    await insertSpans(driver, [span({ trace_id: 'dc-1' })]);
    // The cache off (the default of buildTestApp): each request runs its own query, with the disconnect signal.
    app = await buildTestApp(driver);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    headers = await bearer({ role: 'viewer', projects: ['proj-a'] });
    observer = new pg.Client({ connectionString: db.url });
    await observer.connect();
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await observer?.end();
    await app?.close();
    await driver?.close();
    await db?.drop();
  });

  const cases = [
    { name: 'search', method: 'POST' as const, path: '/api/v1/traces/search', body: { filter: { field: 'provider', operator: 'eq', value: 'openai' } } },
    { name: 'list', method: 'GET' as const, path: '/api/v1/traces?limit=10', body: undefined },
  ];

  for (const c of cases) {
    it(`cancels a ${c.name} whose client closed the socket`, { timeout: 20_000 }, async () => {
      // What the query failed with: a client that left is not a timeout or an internal error.
      const failures: unknown[] = [];
      const query = driver.query.bind(driver);
      const spy = vi.spyOn(driver, 'query').mockImplementation(async (...args: Parameters<typeof query>) => {
        try {
          return await query(...args);
        } catch (err) {
          failures.push(err);
          throw err;
        }
      });
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE llm_traces IN ACCESS EXCLUSIVE MODE');
      try {
        const request = send(c.method, c.path, c.body);
        await eventually(async () => (await blockedStatements()) === 1, 5000, 50);
        request.drop();
        expect(await request.outcome).toMatch(/^dropped/);
        // Gone while the lock is still held: only a cancel can have ended it.
        await eventually(async () => (await blockedStatements()) === 0, 3000, 50);
        await eventually(async () => failures.length > 0, 3000, 50);
        expect(failures.map((e) => (e instanceof AppError ? e.code : String(e)))).toEqual(['CLIENT_CLOSED_REQUEST']);
      } finally {
        spy.mockRestore();
        await locker.query('ROLLBACK');
      }
      // The connection that ran it is healthy again and the service answers.
      const res = await app.inject({ method: c.method, url: c.path, headers, ...(c.body ? { payload: c.body } : {}) });
      expect(res.statusCode).toBe(200);
      expect(driver.poolStats().waiting).toBe(0);
    });
  }

  // Reports run several statements at once (the cost summary twelve, at most DB_ANALYTICS_PARALLELISM
  // at a time). When their client leaves, the running ones are cancelled and the queued ones never
  // run: every one of those failures must be handled, or the process dies of an unhandled rejection.
  const reports = ['/api/v1/costs/summary', '/api/v1/metrics/summary?from=now-30d', '/api/v1/analytics/optimization', '/api/v1/costs/attribution?dimension=user', '/api/v1/analytics/quality'];
  for (const path of reports) {
    it(`leaves nothing unhandled when the client of ${path} closes the socket`, { timeout: 20_000 }, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const admin = await bearer({ role: 'admin' });
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE llm_traces IN ACCESS EXCLUSIVE MODE');
      try {
        const request = send('GET', path, undefined, admin);
        await eventually(async () => (await blockedStatements()) >= 1, 5000, 50);
        request.drop();
        expect(await request.outcome).toMatch(/^dropped/);
        await eventually(async () => (await blockedStatements()) === 0, 3000, 50);
      } finally {
        await locker.query('ROLLBACK');
      }
      // Rejections are reported after the microtask queue drains: give them a moment.
      await new Promise((r) => setTimeout(r, 200));
      process.off('unhandledRejection', onUnhandled);
      expect(unhandled).toEqual([]);
      const res = await app.inject({ method: 'GET', url: path, headers: admin });
      expect(res.statusCode).toBe(200);
      expect(driver.poolStats().waiting).toBe(0);
    });
  }

  it('answers the same request normally when the client stays', async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE llm_traces IN ACCESS EXCLUSIVE MODE');
    const request = send('POST', '/api/v1/traces/search', cases[0]!.body);
    await eventually(async () => (await blockedStatements()) === 1, 5000, 50);
    await locker.query('ROLLBACK');
    expect(await request.outcome).toBe('answered 200');
  });
});

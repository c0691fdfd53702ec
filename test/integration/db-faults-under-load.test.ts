// The database cut, refused or stalled while a few dozen requests (reads and
// ingest) are in flight: every request ends (the per-test timeout is the
// bound), each with a success or an honest 503/504, never a 500; the pool
// ends within its size with nobody waiting; nothing crashes the process
// (vitest fails a file on any unhandled error); and the service recovers by
// itself when the proxy forwards again.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { migrate } from '../../src/storage/migrate.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { createTestDatabase, TEST_POOL } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { insertSpans, span } from '../helpers/spans.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const POOL_MAX = 4;
const CONCURRENCY = 40;
const SERVER_SIDE_ERRORS = new Set([503, 504]);

describe('database faults under load [postgres]', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let driver: PostgresDriver;
  let app: FastifyInstance;
  let reader: Record<string, string>;
  let writer: Record<string, string>;
  let batchNo = 0;

  /** One request of a mixed workload: trace by id, search, list, ingest. */
  function oneRequest(i: number) {
    switch (i % 4) {
      case 0:
        return app.inject({ url: '/api/v1/traces/load-1', headers: reader });
      case 1:
        return app.inject({ method: 'POST', url: '/api/v1/traces/search', headers: reader, payload: { filter: { field: 'provider', operator: 'eq', value: 'openai' }, limit: 20 } });
      case 2:
        return app.inject({ url: '/api/v1/traces?limit=20', headers: reader });
      default: {
        const b = ++batchNo;
        return app.inject({ method: 'POST', url: '/api/v1/traces', headers: writer, payload: [span({ trace_id: `ingest-${b}`, span_id: 's' })] });
      }
    }
  }

  /** CONCURRENCY clients looping until stop() resolves; returns every status seen. */
  async function underLoad(fault: () => Promise<void>): Promise<number[]> {
    const statuses: number[] = [];
    let running = true;
    const clients = Array.from({ length: CONCURRENCY }, async (_, c) => {
      for (let i = c; running; i += CONCURRENCY) {
        statuses.push((await oneRequest(i)).statusCode);
        // inject() of a fail-fast answer (cached token, no database I/O) settles in
        // microtasks alone: yield so the fault's timers can ever fire.
        await new Promise((r) => setImmediate(r));
      }
    });
    await fault();
    running = false;
    await Promise.all(clients);
    return statuses;
  }

  function expectHonest(statuses: number[]) {
    const odd = statuses.filter((s) => s !== 200 && s !== 201 && !SERVER_SIDE_ERRORS.has(s));
    expect(odd).toEqual([]);
  }

  async function expectRecoveredAndPoolSane() {
    await proxy.restore();
    await eventually(async () => (await app.inject({ url: '/api/v1/traces/load-1', headers: reader })).statusCode === 200, 10_000);
    const after = await underLoad(() => new Promise((r) => setTimeout(r, 500)));
    expect(after.filter((s) => s !== 200 && s !== 201)).toEqual([]);
    const stats = driver.poolStats();
    expect(stats.total).toBeLessThanOrEqual(POOL_MAX);
    expect(stats.waiting).toBe(0);
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const direct = new PostgresDriver({ url: db.url, pool: TEST_POOL });
    await migrate(direct);
    await insertSpans(direct, [span({ trace_id: 'load-1', span_id: 'a' }), span({ trace_id: 'load-1', span_id: 'b', parent_span_id: 'a' })]);
    await direct.close();
    const target = new URL(db.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    driver = new PostgresDriver({
      url: proxy.url(db.url),
      pool: { ...TEST_POOL, poolMax: POOL_MAX, connectTimeoutMs: 2000, acquireTimeoutMs: 60_000, statementTimeoutMs: 2000 },
    });
    // Budgets far above the load: this suite is about the database, not rate limits.
    app = await buildTestApp(driver, { RATE_LIMIT_VIEWER: '1000000', RATE_LIMIT_DEVELOPER: '1000000' });
    reader = await bearer({ role: 'viewer', projects: ['proj-a'] });
    writer = await bearer({ role: 'developer', projects: ['proj-a'] });
  });
  afterAll(async () => {
    await app?.close();
    await driver?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('serves the mixed load while the database is up', async () => {
    const statuses = await underLoad(() => new Promise((r) => setTimeout(r, 500)));
    expect(statuses.length).toBeGreaterThan(CONCURRENCY);
    expect(statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
  });

  it('answers honestly when every connection is cut mid-load, and recovers', { timeout: 30_000 }, async () => {
    const statuses = await underLoad(async () => {
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 5; i++) {
        proxy.cut();
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    expectHonest(statuses);
    expect(statuses.some((s) => SERVER_SIDE_ERRORS.has(s))).toBe(true);
    await expectRecoveredAndPoolSane();
  });

  it('answers honestly while the database refuses connections under load, and recovers', { timeout: 30_000 }, async () => {
    const statuses = await underLoad(async () => {
      await new Promise((r) => setTimeout(r, 300));
      await proxy.refuse();
      await new Promise((r) => setTimeout(r, 2000));
    });
    expectHonest(statuses);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(CONCURRENCY);
    await expectRecoveredAndPoolSane();
  });

  // Stalled: connections open but silent. In-flight statements end by the
  // client-side query timeout (statement timeout 2 s + 5 s margin = 7 s); the
  // first of them to fail turns every queued request into a 503 at once, and
  // the fail-fast window and connect timeout (2 s) cover the ones after. The
  // 20 s test timeout is the bound: before queued requests were released, the
  // 36 of them drained through 4 slots at one 2 s connect timeout each (25 s+).
  it('ends every request while the database is stalled under load, and recovers', { timeout: 20_000 }, async () => {
    const statuses = await underLoad(async () => {
      await new Promise((r) => setTimeout(r, 300));
      proxy.stall();
      await new Promise((r) => setTimeout(r, 3000));
    });
    expectHonest(statuses);
    expect(statuses.some((s) => s === 503)).toBe(true);
    await expectRecoveredAndPoolSane();
  });
});

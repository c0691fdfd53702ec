// Ingest when the server side fails: every failure the client did not cause is
// a retryable status (503, or 504 for the statement timeout) with Retry-After,
// never 500 and never 400, because OpenTelemetry exporters retry only 429,
// 502, 503 and 504. A batch is acknowledged only after its commit, and
// resending after an ambiguous failure never stores a span twice.
//
// Database-side failures are made real with triggers in the test database
// that RAISE with the SQLSTATE under test (disk full is class 53, etc.).
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { migrate } from '../../src/storage/migrate.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { createTestDatabase, TEST_POOL } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { span } from '../helpers/spans.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const RETRYABLE = new Set([429, 502, 503, 504]);

describe('ingest failure semantics [postgres]', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let driver: PostgresDriver;
  let app: FastifyInstance;
  let admin: pg.Client;
  let headers: Record<string, string>;
  let batchNo = 0;

  function batch(n = 5) {
    const b = ++batchNo;
    return Array.from({ length: n }, (_, i) => span({ trace_id: `batch-${b}`, span_id: `s-${i}` }));
  }

  const ingest = (payload: unknown) => app.inject({ method: 'POST', url: '/api/v1/traces', headers, payload: payload as object });

  async function stored(traceId: string): Promise<number> {
    const r = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE trace_id = $1', [traceId]);
    return r.rows[0]!.n;
  }

  /** A trigger on llm_traces running `body` (plpgsql); removed by beforeEach. */
  async function fault(body: string, kind: 'before row' | 'after statement' | 'deferred' = 'before row') {
    await admin.query(`CREATE OR REPLACE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body}; RETURN NULL; END $$`);
    const trigger = {
      'before row': 'CREATE TRIGGER test_fault BEFORE INSERT ON llm_traces FOR EACH ROW EXECUTE FUNCTION test_fault()',
      'after statement': 'CREATE TRIGGER test_fault AFTER INSERT ON llm_traces FOR EACH STATEMENT EXECUTE FUNCTION test_fault()',
      deferred: 'CREATE CONSTRAINT TRIGGER test_fault AFTER INSERT ON llm_traces DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fault()',
    }[kind];
    await admin.query(trigger);
  }

  function expectRetryable(res: Awaited<ReturnType<typeof ingest>>, status?: number) {
    expect(RETRYABLE.has(res.statusCode), `status ${res.statusCode}: ${res.body}`).toBe(true);
    if (status) expect(res.statusCode).toBe(status);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const direct = new PostgresDriver({ url: db.url, pool: TEST_POOL });
    await migrate(direct);
    await direct.close();
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const target = new URL(db.url);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    driver = new PostgresDriver({
      url: proxy.url(db.url),
      pool: { ...TEST_POOL, poolMax: 4, connectTimeoutMs: 1000, acquireTimeoutMs: 10_000, statementTimeoutMs: 3000 },
    });
    app = await buildTestApp(driver);
    headers = await bearer({ role: 'developer', projects: ['proj-a'] });
  });
  beforeEach(async () => {
    await admin.query('DROP TRIGGER IF EXISTS test_fault ON llm_traces');
    await proxy.restore();
    // Past the fail-fast window a previous case may have opened.
    await eventually(async () => (await app.inject({ url: '/health' })).statusCode === 200, 10_000);
  });
  afterAll(async () => {
    await admin?.end();
    await app?.close();
    await driver?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('stores a batch and acknowledges it with 201', async () => {
    const spans = batch();
    const res = await ingest(spans);
    expect(res.statusCode).toBe(201);
    expect(await stored(spans[0]!.trace_id)).toBe(spans.length);
  });

  it('answers 503 with Retry-After while the database refuses connections', async () => {
    await proxy.refuse();
    const spans = batch();
    expectRetryable(await ingest(spans), 503);
    await proxy.restore();
    expect(await stored(spans[0]!.trace_id)).toBe(0);
  });

  const sqlStates = [
    { state: '53100', what: 'disk full' },
    { state: '53200', what: 'out of memory' },
    { state: '53300', what: 'too many connections' },
    { state: '40001', what: 'serialization failure' },
    { state: '40P01', what: 'deadlock' },
    { state: '55P03', what: 'lock not available (lock_timeout)' },
    { state: '57P01', what: 'administrator shutdown' },
    { state: '58030', what: 'I/O error' },
    { state: '25006', what: 'read-only server (standby after failover)' },
  ];
  for (const { state, what } of sqlStates) {
    it(`answers ${what} (SQLSTATE ${state}) with a retryable status and Retry-After, storing nothing`, async () => {
      await fault(`RAISE EXCEPTION 'injected ${what}' USING ERRCODE = '${state}'`);
      const spans = batch();
      const res = await ingest(spans);
      expectRetryable(res, 503);
      expect(res.json().error.code).toBe('DATABASE_UNAVAILABLE');
      expect(await stored(spans[0]!.trace_id)).toBe(0);
    });
  }

  it('answers a write past the statement timeout with 504 and Retry-After, storing nothing', async () => {
    await fault('PERFORM pg_sleep(10)', 'after statement');
    const spans = batch();
    const res = await ingest(spans);
    expectRetryable(res, 504);
    expect(res.json().error.code).toBe('QUERY_TIMEOUT');
    expect(await stored(spans[0]!.trace_id)).toBe(0);
  });

  it('does not acknowledge a batch whose commit fails', async () => {
    // A deferred constraint trigger runs at COMMIT: the INSERT itself succeeded.
    await fault(`RAISE EXCEPTION 'injected commit failure' USING ERRCODE = '40001'`, 'deferred');
    const spans = batch();
    expectRetryable(await ingest(spans), 503);
    expect(await stored(spans[0]!.trace_id)).toBe(0);
  });

  it('never duplicates when a batch is resent after an ambiguous failure', async () => {
    // The INSERT reaches the server and takes a moment; the connection is cut
    // before the reply. PostgreSQL finishes and commits; the client sees a 503.
    await fault('PERFORM pg_sleep(0.8)', 'after statement');
    const spans = batch(20);
    const first = ingest(spans);
    await eventually(async () => {
      const r = await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'INSERT INTO llm_traces%'`,
      );
      return r.rows[0]!.n === 1;
    }, 5000, 20);
    proxy.cut();
    expectRetryable(await first, 503);
    await admin.query('DROP TRIGGER IF EXISTS test_fault ON llm_traces');
    await eventually(async () => (await stored(spans[0]!.trace_id)) === spans.length, 5000, 50);

    // The exporter retries the same batch: nothing new, nothing twice.
    await eventually(async () => (await app.inject({ url: '/health' })).statusCode === 200, 10_000);
    const retry = await ingest(spans);
    expect(retry.statusCode).toBe(200);
    expect(retry.json().data).toMatchObject({ accepted: 20, new: 0, duplicates: 20 });
    expect(await stored(spans[0]!.trace_id)).toBe(spans.length);
  });

  it('keeps whole-batch rejection for a client error: one invalid span stores nothing (400)', async () => {
    const spans = batch();
    const bad = [...spans.slice(0, 4), { ...spans[4]!, duration_ms: -1 }];
    const res = await ingest(bad);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details[0].path).toBe('spans[4].duration_ms');
    expect(await stored(spans[0]!.trace_id)).toBe(0);
  });
});

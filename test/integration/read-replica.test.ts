// A real streaming replica (pg_basebackup -R of a private primary): which
// server answers what, read-your-writes for trace by id, and the bypass of a
// replica that lags or is down, then its return.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openReadRouter, type ReadRouter } from '../../src/replica/read-router.js';
import { migrate } from '../../src/storage/migrate.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { TEST_POOL } from '../helpers/backends.js';
import { eventually } from '../helpers/cache.js';
import { freePort } from '../helpers/free-port.js';
import { sampleValue } from '../helpers/prometheus.js';
import { ReplicaCluster } from '../helpers/replica-cluster.js';
import { span } from '../helpers/spans.js';

const PROBE_MS = 100;

interface Stack {
  app: FastifyInstance;
  router: ReadRouter;
  primary: PostgresDriver;
}

describe('read replica', () => {
  let cluster: ReplicaCluster;
  // Two stacks over the same servers: one bypasses the replica after 1 s of
  // lag, the other tolerates an hour of it (to show reads really come from it).
  let strict: Stack;
  let tolerant: Stack;
  let headers: Record<string, string>;
  const stacks: Stack[] = [];

  async function stack(maxLagS: number): Promise<Stack> {
    const primary = new PostgresDriver({ url: cluster.primaryUrl, pool: TEST_POOL });
    const router = openReadRouter({
      primary,
      primaryUrl: cluster.primaryUrl,
      replicaUrl: cluster.replicaUrl,
      pool: TEST_POOL,
      maxLagS,
      probeIntervalMs: PROBE_MS,
    });
    await router.start();
    const app = await buildTestApp(primary, { READ_MAX_LAG_S: String(maxLagS) }, router);
    const s = { app, router, primary };
    stacks.push(s);
    return s;
  }

  beforeAll(async () => {
    cluster = await ReplicaCluster.start();
    const admin = new PostgresDriver({ url: cluster.primaryUrl, pool: TEST_POOL });
    await migrate(admin);
    await admin.close();
    strict = await stack(1);
    tolerant = await stack(3600);
    headers = await bearer({ role: 'developer', projects: ['proj-a'] });
  }, 120_000);

  afterAll(async () => {
    for (const s of stacks) {
      await s.app.close();
      await s.router.close();
      await s.primary.close();
    }
    await cluster?.destroy();
  });

  const ingest = (s: Stack, spans: object[]) => s.app.inject({ method: 'POST', url: '/api/v1/traces', headers, payload: spans });
  const listIds = async (s: Stack): Promise<string[]> => {
    const res = await s.app.inject({ url: '/api/v1/traces?from=now-1h&limit=1000', headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data.map((x: { span_id: string }) => x.span_id);
  };
  const health = async (s: Stack) => (await s.app.inject({ url: '/health' })).json();
  const fallbacks = async (s: Stack, reason: string) =>
    sampleValue((await s.app.inject({ url: '/metrics' })).body, 'db_read_fallbacks_total', { reason });
  const now = () => new Date().toISOString();
  const replayPaused = async () =>
    (await cluster.sql<{ s: string }>('replica', 'SELECT pg_get_wal_replay_pause_state() AS s'))[0]!.s === 'paused';
  const readerQueries = () =>
    cluster.sql<{ query: string }>('replica', "SELECT query FROM pg_stat_activity WHERE application_name = 'tracelens-reader'");

  it('starts with a healthy replica', async () => {
    await eventually(async () => {
      const h = await health(strict);
      return h.replica === 'healthy' && typeof h.replica_lag_s === 'number';
    }, 60_000);
    const h = await health(strict);
    expect(h).toMatchObject({ status: 'healthy', database: 'healthy', replica: 'healthy' });
    expect(h.replica_lag_s).toBeLessThanOrEqual(1);
  });

  it('sends writes to the primary and reads to the replica', async () => {
    const res = await ingest(strict, [span({ span_id: 'r1', trace_id: 'rt-1', ts: now() })]);
    // A standby refuses every write (25006), so an accepted batch was written on the primary.
    expect(res.statusCode, res.body).toBe(201);
    expect(await cluster.sql('primary', "SELECT 1 FROM llm_traces WHERE span_id = 'r1'")).toHaveLength(1);
    await eventually(async () => (await listIds(strict)).includes('r1'), 10_000);
    // The list statement ran on a replica connection of the reader's pool.
    expect((await readerQueries()).some((r) => /FROM llm_traces/i.test(r.query))).toBe(true);
  });

  it('streams an export from the primary through a dedicated connection of its own', async () => {
    const dedicated = vi.spyOn(strict.primary, 'connectDedicated');
    try {
      const res = await strict.app.inject({ method: 'POST', url: '/api/v1/traces/export', headers, payload: { from: 'now-1h' } });
      expect(res.statusCode, res.body).toBe(200);
      const ids = res.body.trim().split('\n').map((line) => (JSON.parse(line) as { span_id: string }).span_id);
      expect(ids).toContain('r1');
      // The cursor path (own connection and statement timeout), not the API pool's keyset pages.
      expect(dedicated).toHaveBeenCalledTimes(1);
    } finally {
      dedicated.mockRestore();
    }
  });

  it('answers a list from the replica while it lags within the bound, and trace by id from the primary (read-your-writes)', async () => {
    await cluster.pauseReplay();
    await eventually(replayPaused, 10_000);
    const ryw = await fallbacks(tolerant, 'read_your_writes');
    expect((await ingest(tolerant, [span({ span_id: 'r2', trace_id: 'rt-2', ts: now() })])).statusCode).toBe(201);
    // The replica has not replayed r2: a list that does not show it was answered by the replica.
    expect(await listIds(tolerant)).toContain('r1');
    expect(await listIds(tolerant)).not.toContain('r2');
    expect((await health(tolerant)).replica).toBe('healthy');
    // The trace just written is found all the same: the replica's miss is retried on the primary.
    const trace = await tolerant.app.inject({ url: '/api/v1/traces/rt-2', headers });
    expect(trace.statusCode, trace.body).toBe(200);
    expect(trace.json().data.spans.map((s: { span_id: string }) => s.span_id)).toEqual(['r2']);
    expect(await fallbacks(tolerant, 'read_your_writes')).toBe(ryw + 1);
    // A trace that exists nowhere is still a 404 after both reads.
    expect((await tolerant.app.inject({ url: '/api/v1/traces/rt-none', headers })).statusCode).toBe(404);
  });

  it('bypasses a replica lagging beyond READ_MAX_LAG_S, then takes it back once it catches up', async () => {
    expect(await replayPaused()).toBe(true);
    const lagging = await fallbacks(strict, 'replica_lagging');
    // Keep the primary's WAL moving so the paused replica falls further behind.
    const writer = setInterval(() => void cluster.sql('primary', 'SELECT txid_current()').catch(() => {}), 200);
    try {
      await eventually(async () => (await health(strict)).replica === 'lagging', 60_000);
    } finally {
      clearInterval(writer);
    }
    const h = await health(strict);
    expect(h).toMatchObject({ status: 'degraded', database: 'healthy', replica: 'lagging' });
    expect(h.replica_lag_s).toBeGreaterThan(1);
    // Reads now come from the primary: r2 is visible although the replica has not replayed it.
    expect(await listIds(strict)).toContain('r2');
    expect(await fallbacks(strict, 'replica_lagging')).toBeGreaterThan(lagging);
    // The tolerant stack keeps reading the stale replica meanwhile.
    expect(await listIds(tolerant)).not.toContain('r2');

    await cluster.resumeReplay();
    await eventually(async () => (await health(strict)).replica === 'healthy', 60_000);
    expect((await health(strict)).status).toBe('healthy');
    const before = await fallbacks(strict, 'replica_lagging');
    expect(await listIds(strict)).toContain('r2');
    expect(await fallbacks(strict, 'replica_lagging')).toBe(before);
  });

  it('keeps serving reads from the replica while the primary is unreachable', async () => {
    // A router whose primary address answers nothing: only the replica is up.
    const deadUrl = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const deadPrimary = new PostgresDriver({ url: deadUrl, pool: { ...TEST_POOL, connectTimeoutMs: 500, acquireTimeoutMs: 500 } });
    const router = openReadRouter({ primary: deadPrimary, primaryUrl: deadUrl, replicaUrl: cluster.replicaUrl, pool: TEST_POOL, maxLagS: 1, probeIntervalMs: PROBE_MS });
    try {
      await router.start();
      expect(router.replicaStatus()).toEqual({ state: 'healthy', lagS: null });
      const { rows } = await router.query<{ n: number }>("SELECT count(*)::int AS n FROM llm_traces WHERE span_id = 'r1'", [], { kind: 'list' });
      expect(rows[0]!.n).toBe(1);
    } finally {
      await router.close();
      await deadPrimary.close();
    }
  });

  it('bypasses a replica that is down, reports it, and takes it back when it returns', async () => {
    const down = (await fallbacks(strict, 'replica_down')) + (await fallbacks(strict, 'replica_error'));
    await cluster.stopReplica();
    // Reads keep working throughout: the first one may find the dead connection, the primary answers it.
    expect(await listIds(strict)).toContain('r2');
    await eventually(async () => (await health(strict)).replica === 'unhealthy', 60_000);
    const h = await health(strict);
    expect(h).toMatchObject({ status: 'degraded', database: 'healthy', replica: 'unhealthy', replica_lag_s: null });
    expect(await listIds(strict)).toContain('r2');
    expect((await fallbacks(strict, 'replica_down')) + (await fallbacks(strict, 'replica_error'))).toBeGreaterThan(down);
    const replicaUp = async () => sampleValue((await strict.app.inject({ url: '/metrics' })).body, 'tracelens_up', { component: 'replica' });
    // One gauge per process, and both stacks here probe: wait for the second to notice too.
    await eventually(async () => (await replicaUp()) === 0, 10_000);
    // Writes never depended on it.
    expect((await ingest(strict, [span({ span_id: 'r3', trace_id: 'rt-3', ts: now() })])).statusCode).toBe(201);

    await cluster.startReplica();
    await eventually(async () => (await health(strict)).replica === 'healthy', 60_000);
    expect(await listIds(strict)).toContain('r3');
    expect((await readerQueries()).some((r) => /FROM llm_traces/i.test(r.query))).toBe(true);
    await eventually(async () => (await replicaUp()) === 1, 20_000);
  });
});

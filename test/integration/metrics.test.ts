import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createVerifier } from '../../src/auth/verifier.js';
import { loadConfig } from '../../src/config.js';
import { filterShape, recordIngest } from '../../src/metrics/index.js';
import { createQueryMonitor } from '../../src/storage/observe.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { bearer, buildTestApp, TEST_SECRET } from '../helpers/app.js';
import { describeEachBackend, TEST_POOL } from '../helpers/backends.js';
import { parseSamples, sampleValue } from '../helpers/prometheus.js';
import { insertSpans, span } from '../helpers/spans.js';

const TRACE_ROUTE = '/api/v1/traces/:trace_id';
// Low enough that pg_sleep(0.2) is always slow; the monitor is shared by both
// backends of this file, its logger is attached only inside the slow-log test.
const monitor = createQueryMonitor({ slowQueryMs: 50 });

describeEachBackend(
  'GET /metrics',
  (backend) => {
    let app: FastifyInstance;
    const scrape = async () => {
      const res = await app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      return res.body;
    };

    beforeAll(async () => {
      app = await buildTestApp(backend().driver);
      await insertSpans(backend().driver, [span({ trace_id: 'tr-m1', span_id: 's1' })]);
    });
    afterAll(async () => app?.close());

    it('serves the Prometheus text format with process defaults, pool gauges and database liveness', async () => {
      const res = await app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = res.body;
      expect(body).toMatch(/^process_resident_memory_bytes \d+/m);
      expect(body).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
      expect(sampleValue(body, 'tracelens_up', { component: 'database' })).toBe(1);
      expect(sampleValue(body, 'db_pool_total_connections')).toBeGreaterThanOrEqual(1);
      expect(body).toMatch(/^db_pool_idle_connections \d+/m);
      expect(sampleValue(body, 'db_pool_waiting_clients')).toBe(0);
      expect(sampleValue(body, 'ingest_spans_total', { result: 'duplicate' })).toBeGreaterThanOrEqual(0);
      expect(body).toMatch(/^ingest_spans_total\{result="rejected"\} \d+/m);
    });

    it('counts exactly the requests made, labelled by route template and status', async () => {
      const before = await scrape();
      const viewer = await bearer({ role: 'viewer', projects: ['proj-a'] });
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await app.inject({ url: '/api/v1/traces/tr-m1', headers: viewer })).statusCode);
      for (let i = 0; i < 2; i++) codes.push((await app.inject({ url: `/api/v1/traces/missing-${i}`, headers: viewer })).statusCode);
      codes.push((await app.inject({ url: '/api/v1/traces/tr-m1' })).statusCode);
      for (let i = 0; i < 2; i++) codes.push((await app.inject({ url: `/no/such/path-${i}?q=secret` })).statusCode);
      expect(codes).toEqual([200, 200, 200, 404, 404, 401, 404, 404]);
      const after = await scrape();

      const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
      expect(delta('http_requests_total', { method: 'GET', route: TRACE_ROUTE, status: '200' })).toBe(3);
      expect(delta('http_requests_total', { method: 'GET', route: TRACE_ROUTE, status: '404' })).toBe(2);
      expect(delta('http_requests_total', { method: 'GET', route: TRACE_ROUTE, status: '401' })).toBe(1);
      expect(delta('http_requests_total', { method: 'GET', route: '__unmatched__', status: '404' })).toBe(2);
      // The scrape itself is a request too: exactly one between the two bodies.
      expect(delta('http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBe(1);
      expect(delta('http_request_duration_seconds_count', { method: 'GET', route: TRACE_ROUTE })).toBe(6);
      expect(delta('http_request_duration_seconds_bucket', { method: 'GET', route: TRACE_ROUTE, le: '+Inf' })).toBe(6);
      expect(delta('http_request_duration_seconds_sum', { method: 'GET', route: TRACE_ROUTE })).toBeGreaterThan(0);

      // Raw paths and query strings never become label values.
      const routes = new Set(parseSamples(after).flatMap((s) => (s.labels.route ? [s.labels.route] : [])));
      for (const r of routes) expect(r).not.toMatch(/tr-m1|missing-|no\/such|secret/);
    });

    it('observes database statements by kind, with the latency buckets', async () => {
      const before = await scrape();
      for (let i = 0; i < 3; i++) await backend().driver.query('SELECT 1', [], { kind: 'search' });
      await expect(backend().driver.query('SELECT 1/0', [], { kind: 'list' })).rejects.toThrow();
      const after = await scrape();
      const delta = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
      expect(delta('db_query_duration_seconds_count', { kind: 'search' })).toBe(3);
      expect(delta('db_query_duration_seconds_count', { kind: 'list' })).toBe(1);
      expect(delta('db_query_errors_total', { kind: 'list' })).toBe(1);
      expect(delta('db_query_errors_total', { kind: 'search' })).toBe(0);
      // The trace route's statements are labelled too (each scrape pings as 'health').
      expect(sampleValue(after, 'db_query_duration_seconds_count', { kind: 'trace' })).toBeGreaterThan(0);
      expect(sampleValue(after, 'db_query_duration_seconds_count', { kind: 'health' })).toBeGreaterThan(0);
      const les = parseSamples(after)
        .filter((s) => s.name === 'db_query_duration_seconds_bucket' && s.labels.kind === 'search')
        .map((s) => s.labels.le);
      expect(les).toEqual(['0.005', '0.01', '0.02', '0.05', '0.1', '0.15', '0.2', '0.3', '0.5', '0.8', '1', '2', '5', '+Inf']);
    });

    it('counts ingested spans by result', async () => {
      const before = await scrape();
      recordIngest(5, 2, 1);
      recordIngest(3, 0, 0);
      const after = await scrape();
      const delta = (result: string) => sampleValue(after, 'ingest_spans_total', { result }) - sampleValue(before, 'ingest_spans_total', { result });
      expect([delta('accepted'), delta('duplicate'), delta('rejected')]).toEqual([8, 2, 1]);
    });

    it('logs a slow query at warn with kind, duration, shape and request id, never the values', async () => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const config = loadConfig({ JWT_SECRET: TEST_SECRET, SLOW_QUERY_MS: '50', DEMO_DATA: 'false' });
      const logged = await buildApp({ config, driver: backend().driver, verifier: createVerifier(config), logger: { level: 'warn', stream } });
      monitor.useLogger(logged.log);
      try {
        const secret = 'needle-value-7f3a';
        const shape = filterShape({
          operator: 'AND',
          filters: [
            { field: 'input_text', operator: 'search', value: secret },
            { operator: 'or', filters: [{ field: 'duration_ms', operator: 'gte', value: 1234 }] },
          ],
        });
        await backend().driver.query('SELECT pg_sleep(0.2), $1::text, $2::int', [secret, 1234], {
          kind: 'search',
          requestId: 'req-slow-1',
          shape,
        });
      } finally {
        monitor.useLogger({ warn: () => {} });
        await logged.close();
      }
      const line = lines.find((l) => l.includes('req-slow-1'));
      expect(line, lines.join('')).toBeDefined();
      const entry = JSON.parse(line!);
      expect(entry).toMatchObject({
        level: 40,
        msg: 'slow query',
        kind: 'search',
        request_id: 'req-slow-1',
        shape: 'AND(input_text:search,OR(duration_ms:gte))',
        slow_query_ms: 50,
        ok: true,
      });
      expect(entry.shape_fp).toMatch(/^[0-9a-f]{12}$/);
      expect(entry.duration_ms).toBeGreaterThanOrEqual(50);
      expect(line).not.toContain('needle-value-7f3a');
      expect(line).not.toContain('1234');
      expect(line).not.toMatch(/pg_sleep|SELECT/i);
    });

    it('requires read:metrics when METRICS_REQUIRE_AUTH=true', async () => {
      const locked = await buildTestApp(backend().driver, { METRICS_REQUIRE_AUTH: 'true' });
      try {
        const anonymous = await locked.inject({ url: '/metrics' });
        expect(anonymous.statusCode).toBe(401);
        expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
        const billing = await locked.inject({ url: '/metrics', headers: await bearer({ role: 'billing', projects: ['proj-a'] }) });
        expect(billing.statusCode).toBe(403);
        expect(billing.json().error.code).toBe('FORBIDDEN');
        const viewer = await locked.inject({ url: '/metrics', headers: await bearer({ role: 'viewer', projects: ['proj-a'] }) });
        expect(viewer.statusCode).toBe(200);
        expect(viewer.body).toContain('http_requests_total');
        // /health stays open either way.
        expect((await locked.inject({ url: '/health' })).statusCode).toBe(200);
      } finally {
        await locked.close();
      }
    });
  },
  { observe: monitor.observe },
);

describe('GET /metrics with the database down', () => {
  it('still answers, with tracelens_up{component="database"} 0', async () => {
    // Nothing listens on port 1: every connection attempt is refused at once.
    const driver = new PostgresDriver({ url: 'postgres://postgres@127.0.0.1:1/none', pool: { ...TEST_POOL, acquireTimeoutMs: 500 } });
    const app = await buildTestApp(driver);
    try {
      const res = await app.inject({ url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(sampleValue(res.body, 'tracelens_up', { component: 'database' })).toBe(0);
    } finally {
      await app.close();
      await driver.close();
    }
  });
});

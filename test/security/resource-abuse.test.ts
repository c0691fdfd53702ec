// Resource abuse that does not fit one inject() row of corpus.ts: 100 MB bodies
// over a real socket and as an endless stream (413, with the body never read
// to its end), and an expensive regular expression on PostgreSQL cut by the
// statement timeout (504) with the backend query really gone.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { openBackend, TEST_POOL, type Backend } from '../helpers/backends.js';

const HUNDRED_MB = 100 * 1024 * 1024;

describe('100 MB request bodies', () => {
  let backend: Backend;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  beforeAll(async () => {
    backend = await openBackend('embedded');
    app = await buildTestApp(backend.driver);
    auth = await bearer({ role: 'developer', projects: ['proj-a'] });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await backend?.close();
  });

  it('answers a declared 100 MB body with 413 before reading it', async () => {
    const { port } = app.server.address() as AddressInfo;
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /api/v1/traces HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${HUNDRED_MB}\r\n\r\n[{"trace_id":"`,
        );
      });
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
        if (data.includes('\r\n\r\n') && data.trimEnd().endsWith('}')) {
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(data));
    });
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    const body = JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
    expect(body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(Object.keys(body)).toEqual(['error', 'meta']);
  });

  it('answers an undeclared (chunked) 100 MB body with 413 after reading at most the limit', async () => {
    const { port } = app.server.address() as AddressInfo;
    const statuses: number[] = [];
    app.server.prependListener('request', (_req, res) => res.on('finish', () => statuses.push(res.statusCode)));
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    let sent = 0;
    const response = await new Promise<string>((resolve) => {
      let data = '';
      const socket = connect(port, '127.0.0.1', () => {
        // Chunked, no Content-Length: the limit can only be enforced while reading.
        socket.write(
          `POST /api/v1/traces/search HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n` +
            'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
        );
        const pump = () => {
          while (data === '' && !socket.destroyed && sent < HUNDRED_MB) {
            sent += chunk.length;
            if (!socket.write(framed)) return void socket.once('drain', pump);
          }
        };
        pump();
      });
      socket.on('data', (d) => (data += d.toString()));
      socket.on('error', () => {}); // the server may close while we write: EPIPE/ECONNRESET
      socket.on('close', () => resolve(data));
      setTimeout(() => socket.destroy(), 10_000).unref();
    });
    // The server closes while the client is still sending, so the client's
    // kernel may drop the answer (TCP reset): the status is read server-side.
    expect(statuses).toEqual([413]);
    if (response !== '') expect(response).toMatch(/^HTTP\/1\.1 413 /);
    // The server stopped reading near BODY_LIMIT_BYTES (10 MB by default), far from 100 MB.
    expect(sent).toBeLessThan(HUNDRED_MB / 2);
  });
});

describe('expensive regular expression on PostgreSQL', () => {
  let backend: Backend;
  let driver: PostgresDriver;
  let app: FastifyInstance;
  const STATEMENT_TIMEOUT_MS = 200;
  const APP_NAME = 'tracelens-regex-timeout';

  beforeAll(async () => {
    backend = await openBackend('postgres');
    // 40 spans of 256 kB (the ingest maximum) of hex text: about 10 MB to match.
    await backend.driver.query(
      `INSERT INTO llm_traces (ts, trace_id, span_id, project_id, span_name, duration_ms, status_code, input_text)
       SELECT now(), 'rx-' || i, 's', 'proj-a', 'x', 1, 'OK',
              (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 8192) AS g)
       FROM generate_series(1, 40) AS i`,
    );
    driver = new PostgresDriver({ url: backend.url!, pool: { ...TEST_POOL, statementTimeoutMs: STATEMENT_TIMEOUT_MS }, applicationName: APP_NAME });
    app = await buildTestApp(driver);
  });
  afterAll(async () => {
    await app?.close();
    await driver?.close();
    await backend?.close();
  });

  it('cancels it at DB_STATEMENT_TIMEOUT_MS with 504 QUERY_TIMEOUT, and the backend query is gone', async () => {
    const headers = await bearer({ role: 'developer', projects: ['proj-a'] });
    // Linear in the text (accepted by the validator), but 10 MB of it takes
    // PostgreSQL seconds: only the statement timeout stops it.
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/traces/search',
      headers,
      payload: { filter: { field: 'input_text', operator: 'regex', value: 'a.{255}g' }, fields: ['trace_id'] },
    });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe('QUERY_TIMEOUT');
    expect(res.body).not.toMatch(/llm_traces|statement timeout|canceling/);

    const admin = new pg.Client({ connectionString: backend.url! });
    await admin.connect();
    try {
      const active = await admin.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%llm_traces%'`,
        [APP_NAME],
      );
      expect(active.rows[0].n).toBe(0);
    } finally {
      await admin.end();
    }
  });
});

// Errors raised by Node's HTTP parser on a real socket (oversized headers,
// slow clients) still get the error envelope, and the socket is closed.
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { openBackend, type Backend } from '../helpers/backends.js';

function rawRequest(port: number, send: (s: net.Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => send(socket));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

// No database involved: one engine is enough.
describe('HTTP parser errors', () => {
  let app: FastifyInstance;
  let port: number;
  let backend: Backend;
  beforeAll(async () => {
    backend = await openBackend('embedded');
    app = await buildTestApp(backend.driver, { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await backend?.close();
  });

  it('answers a 1 MB Authorization header with 431 in the error envelope', async () => {
    const res = await rawRequest(port, (s) =>
      s.write(`GET /api/v1/traces/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(1024 * 1024)}\r\n\r\n`),
    );
    expect(res).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4));
    expect(body.error.code).toBe('HEADERS_TOO_LARGE');
    expect(body.meta.request_id).toBeTruthy();
  });

  it('cuts off a client that never finishes its headers', async () => {
    const res = await rawRequest(port, (s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    expect(res).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)).error.code).toBe('REQUEST_TIMEOUT');
  });

  it('answers malformed HTTP with 400 in the error envelope', async () => {
    const res = await rawRequest(port, (s) => s.write('NOT HTTP AT ALL\r\n\r\n'));
    expect(res).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)).error.code).toBe('BAD_REQUEST');
  });
});

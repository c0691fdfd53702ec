// Key configurations other than "everything at once": a public key alone (from
// a file), and a JWKS that is down or stalls.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_SECRET, buildTestApp } from '../helpers/app.js';
import { openBackend, type Backend } from '../helpers/backends.js';
import { countingDriver, type CountingDriver } from '../helpers/counting-driver.js';
import { claims, signToken, startJwksServer, testKeyPair, type JwksServer, type TestKeyPair } from '../helpers/jwt.js';

let backend: Backend;
let db: CountingDriver;
beforeAll(async () => {
  backend = await openBackend('embedded');
  db = countingDriver(backend.driver);
});
afterAll(async () => backend?.close());
beforeEach(() => db.reset());

const get = (app: FastifyInstance, token: string) =>
  app.inject({ url: '/api/v1/traces/tr-1', headers: { authorization: `Bearer ${token}` } });

describe('JWT_PUBLIC_KEY alone, read from a file', () => {
  let app: FastifyInstance;
  let es: TestKeyPair;
  let dir: string;
  beforeAll(async () => {
    es = await testKeyPair('ES256', 'k1');
    dir = mkdtempSync(join(tmpdir(), 'tracelens-auth-'));
    const path = join(dir, 'public.pem');
    writeFileSync(path, es.publicPem);
    app = await buildTestApp(db, { JWT_SECRET: '', JWT_PUBLIC_KEY: path });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts ES256 signed by the matching private key', async () => {
    const res = await get(app, await signToken(es.privateKey, { alg: 'ES256' }, claims()));
    expect(res.statusCode).toBe(404);
    expect(db.calls).toBeGreaterThan(0);
  });

  it('rejects HS256 "signed" with the public key itself (key confusion), without database work', async () => {
    for (const secret of [es.publicPem, es.publicPem.trim(), JSON.stringify(es.publicJwk)]) {
      const res = await get(app, await signToken(new TextEncoder().encode(secret), { alg: 'HS256' }, claims({ role: 'admin' })));
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
    expect(db.calls).toBe(0);
  });

  it('rejects RS256, which this key type cannot verify', async () => {
    const rs = await testKeyPair('RS256', 'k2');
    const res = await get(app, await signToken(rs.privateKey, { alg: 'RS256' }, claims()));
    expect(res.statusCode).toBe(401);
    expect(db.calls).toBe(0);
  });
});

describe('JWKS that cannot be fetched', () => {
  let jwks: JwksServer;
  let es: TestKeyPair;
  let stalled: FastifyInstance;
  let refused: FastifyInstance;
  beforeAll(async () => {
    es = await testKeyPair('ES256', 'k1');
    jwks = await startJwksServer({ '/stall': 'stall' });
    stalled = await buildTestApp(db, { JWT_JWKS_URL: `${jwks.url}/stall`, JWT_JWKS_TIMEOUT_MS: '200' });
    // Port 9 (discard) on loopback: nothing listens there on a test machine.
    refused = await buildTestApp(db, { JWT_JWKS_URL: 'http://127.0.0.1:9/jwks', JWT_JWKS_TIMEOUT_MS: '200' });
  });
  afterAll(async () => {
    await stalled?.close();
    await refused?.close();
    await jwks?.close();
  });

  it.each([
    ['stalls', () => stalled],
    ['refuses connections', () => refused],
  ] as const)('answers 503 with Retry-After when the identity provider %s, without database work', async (_name, app) => {
    const res = await get(app(), await signToken(es.privateKey, { alg: 'ES256', kid: 'k1' }, claims()));
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('AUTH_KEYS_UNAVAILABLE');
    expect(res.headers['retry-after']).toBeDefined();
    expect(db.calls).toBe(0);
  });

  it('still verifies HS256 tokens with JWT_SECRET while the JWKS is down', async () => {
    const res = await get(stalled, await signToken(new TextEncoder().encode(TEST_SECRET), { alg: 'HS256' }, claims()));
    expect(res.statusCode).toBe(404);
  });
});

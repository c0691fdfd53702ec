// Hostile-token corpus (RFC 8725): every case is a 401 with the error envelope
// and a Bearer challenge, and none of them reaches the database. One table;
// add a row to extend it.
import type { FastifyInstance } from 'fastify';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_SECRET, buildTestApp } from '../helpers/app.js';
import { openBackend, type Backend } from '../helpers/backends.js';
import { countingDriver, type CountingDriver } from '../helpers/counting-driver.js';
import {
  claims,
  rawToken,
  signToken,
  startJwksServer,
  testKeyPair,
  unsignedToken,
  type JwksServer,
  type TestKeyPair,
} from '../helpers/jwt.js';

const AUD = 'tracelens-api';
const ISS = 'https://idp.example.test';
const TOLERANCE_S = 30;
const secret = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);
/** Claims the app accepts; each hostile case overrides what it attacks. */
const good = (o: JWTPayload = {}) => claims({ aud: AUD, iss: ISS, ...o });
const hs = async (payload: JWTPayload, alg = 'HS256') => `Bearer ${await signToken(secret, { alg }, payload)}`;

let backend: Backend;
let db: CountingDriver;
let jwks: JwksServer;
let app: FastifyInstance;
// staticRsa: JWT_PUBLIC_KEY. jwksEs, jwksRs: served by the JWKS URL. attacker: nobody trusts it.
let staticRsa: TestKeyPair, jwksEs: TestKeyPair, jwksRs: TestKeyPair, attacker: TestKeyPair;

beforeAll(async () => {
  [staticRsa, jwksEs, jwksRs, attacker] = await Promise.all([
    testKeyPair('RS256', 'static-rs'),
    testKeyPair('ES256', 'idp-es'),
    testKeyPair('RS256', 'idp-rs'),
    testKeyPair('RS256', 'evil'),
  ]);
  jwks = await startJwksServer({ '/jwks': [jwksEs.publicJwk, jwksRs.publicJwk], '/attacker': [attacker.publicJwk] });
  backend = await openBackend('embedded');
  db = countingDriver(backend.driver);
  // Every kind of key at once: each must accept only its own algorithm family.
  app = await buildTestApp(db, {
    JWT_PUBLIC_KEY: staticRsa.publicPem,
    JWT_JWKS_URL: `${jwks.url}/jwks`,
    JWT_AUDIENCE: AUD,
    JWT_ISSUER: ISS,
    JWT_CLOCK_TOLERANCE_S: String(TOLERANCE_S),
  });
});
afterAll(async () => {
  await app?.close();
  await backend?.close();
  await jwks?.close();
});
beforeEach(() => db.reset());

const get = (authorization?: string) =>
  app.inject({ url: '/api/v1/traces/tr-1', headers: authorization === undefined ? {} : { authorization } });

type Case = [name: string, header: () => Promise<string | undefined> | string | undefined];

const HOSTILE: Case[] = [
  ['missing Authorization header', () => undefined],
  ['Basic scheme', () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
  ['Bearer with no token', () => 'Bearer '],
  ['token with 2 parts', () => 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0'],
  ['token with 4 parts', async () => `${await hs(good())}.AAAA`],
  ['JWE-shaped token with 5 parts', () => 'Bearer a.b.c.d.e'],
  ['non-base64 characters', () => 'Bearer !!!.$$$.###'],
  ['base64url of non-JSON header', () => `Bearer ${Buffer.from('not json').toString('base64url')}.e30.c2ln`],
  ['header is a JSON array', () => `Bearer ${rawToken(['HS256'], good())}`],
  ['1 MB header', () => `Bearer ${'a'.repeat(1 << 20)}`],
  ['1 MB of valid-looking token', () => `Bearer ${rawToken({ alg: 'HS256', pad: 'x'.repeat(1 << 20) }, good())}`],
  ['alg none', () => `Bearer ${unsignedToken('none', good({ role: 'admin' }))}`],
  ['alg None', () => `Bearer ${unsignedToken('None', good({ role: 'admin' }))}`],
  ['alg NONE with a signature part', () => `Bearer ${unsignedToken('NONE', good({ role: 'admin' }), 'c2ln')}`],
  ['header without alg', () => `Bearer ${rawToken({ typ: 'JWT' }, good())}`],
  // The classic key confusion: HS256 "signed" with the RSA public key as the HMAC secret.
  ['HS256 signed with the RS public key (PEM)', async () =>
    `Bearer ${await signToken(new TextEncoder().encode(staticRsa.publicPem), { alg: 'HS256' }, good({ role: 'admin' }))}`],
  ['HS256 signed with the JWKS public key (JSON)', async () =>
    `Bearer ${await signToken(new TextEncoder().encode(JSON.stringify(jwksRs.publicJwk)), { alg: 'HS256', kid: 'idp-rs' }, good())}`],
  ['HS512 signed with JWT_SECRET (algorithm not allowed)', () => hs(good(), 'HS512')],
  ['HS256 with another secret', async () =>
    `Bearer ${await signToken(new TextEncoder().encode('another-secret-of-more-than-32-bytes!!'), { alg: 'HS256' }, good())}`],
  ['payload tampered after signing', async () => {
    const [h, , s] = (await signToken(secret, { alg: 'HS256' }, good())).split('.');
    return `Bearer ${h}.${Buffer.from(JSON.stringify(good({ role: 'admin' }))).toString('base64url')}.${s}`;
  }],
  ['RS256 signed by an unknown key', async () => `Bearer ${await signToken(attacker.privateKey, { alg: 'RS256' }, good())}`],
  ['RS256 with an embedded jwk header', async () =>
    `Bearer ${await signToken(attacker.privateKey, { alg: 'RS256', jwk: attacker.publicJwk }, good())}`],
  ['RS256 with jku naming an attacker JWKS', async () =>
    `Bearer ${await signToken(attacker.privateKey, { alg: 'RS256', kid: 'evil', jku: `${jwks.url}/attacker` }, good())}`],
  ['RS256 with x5u naming an attacker URL', async () =>
    `Bearer ${await signToken(attacker.privateKey, { alg: 'RS256', kid: 'evil', x5u: `${jwks.url}/attacker` }, good())}`],
  ['kid with a path', async () => `Bearer ${await signToken(attacker.privateKey, { alg: 'RS256', kid: '../../../../etc/passwd' }, good())}`],
  ['kid with SQL', async () => `Bearer ${await signToken(attacker.privateKey, { alg: 'RS256', kid: "x' OR '1'='1'; --" }, good())}`],
  ['kid of a JWKS key, signed by another key', async () => `Bearer ${await signToken(attacker.privateKey, { alg: 'RS256', kid: 'idp-rs' }, good())}`],
  ['ES256 claiming the kid of the RSA key', async () => `Bearer ${await signToken(jwksEs.privateKey, { alg: 'ES256', kid: 'idp-rs' }, good())}`],
  [`expired beyond the ${TOLERANCE_S}s tolerance`, () => hs(good({ iat: now() - 600, exp: now() - TOLERANCE_S - 30 }))],
  [`nbf beyond the ${TOLERANCE_S}s tolerance`, () => hs(good({ nbf: now() + TOLERANCE_S + 30 }))],
  ['wrong audience', () => hs(good({ aud: 'another-api' }))],
  ['no audience', () => hs(good({ aud: undefined }))],
  ['wrong issuer', () => hs(good({ iss: 'https://evil.example.test' }))],
  ['wrong audience on an RS256 token', async () =>
    `Bearer ${await signToken(staticRsa.privateKey, { alg: 'RS256' }, good({ aud: 'another-api' }))}`],
  ['no exp', () => hs(good({ exp: undefined }))],
  ['exp as a string', () => hs(good({ exp: String(now() + 600) as unknown as number }))],
  ['no sub', () => hs(good({ sub: undefined }))],
  ['unknown role', () => hs(good({ role: 'superuser' }))],
  ['no role', () => hs(good({ role: undefined }))],
  ['projects claim is a string', () => hs(good({ projects: 'proj-a' }))],
];

describe('hostile tokens', () => {
  it.each(HOSTILE)('%s: 401, Bearer challenge, no database work', async (_name, header) => {
    const res = await get(await header());
    expect(res.statusCode).toBe(401);
    const body = res.json();
    expect(body.error.code).toBe('UNAUTHORIZED');
    expect(body.meta.request_id).toBe(res.headers['x-request-id']);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="tracelens"/);
    expect(db.calls).toBe(0);
  });

  it('never fetches jku or x5u, and never the attacker JWKS', () => {
    expect(jwks.hits.get('/attacker') ?? 0).toBe(0);
  });

  it('sends error="invalid_token" only when a bearer token was presented', async () => {
    expect((await get()).headers['www-authenticate']).toBe('Bearer realm="tracelens"');
    expect((await get('Basic eDp5')).headers['www-authenticate']).toBe('Bearer realm="tracelens"');
    expect((await get(`Bearer ${unsignedToken('none')}`)).headers['www-authenticate']).toBe(
      'Bearer realm="tracelens", error="invalid_token"',
    );
  });
});

describe('accepted tokens', () => {
  const ACCEPTED: Case[] = [
    ['HS256 with JWT_SECRET', () => hs(good())],
    ['lower-case bearer scheme', async () => (await hs(good())).replace('Bearer', 'bearer')],
    ['RS256 with JWT_PUBLIC_KEY', async () => `Bearer ${await signToken(staticRsa.privateKey, { alg: 'RS256' }, good())}`],
    ['ES256 from the JWKS', async () => `Bearer ${await signToken(jwksEs.privateKey, { alg: 'ES256', kid: 'idp-es' }, good())}`],
    // Tried against the static RSA key first, then found in the JWKS by kid.
    ['RS256 from the JWKS', async () => `Bearer ${await signToken(jwksRs.privateKey, { alg: 'RS256', kid: 'idp-rs' }, good())}`],
    [`expired within the ${TOLERANCE_S}s tolerance`, () => hs(good({ iat: now() - 600, exp: now() - 10 }))],
    [`nbf within the ${TOLERANCE_S}s tolerance`, () => hs(good({ nbf: now() + 10 }))],
  ];

  it.each(ACCEPTED)('%s: reaches the route and the database', async (_name, header) => {
    const res = await get(await header());
    // An empty database: the route ran and answered "no such trace".
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(db.calls).toBeGreaterThan(0);
  });

  it('fetches the JWKS once and keeps it, even when tokens name unknown kids', async () => {
    for (const kid of ['random-1', 'random-2', 'random-3']) {
      const res = await get(`Bearer ${await signToken(jwksEs.privateKey, { alg: 'ES256', kid }, good())}`);
      expect(res.statusCode).toBe(401);
    }
    expect(jwks.hits.get('/jwks')).toBe(1);
  });
});

describe('permissions', () => {
  it('is 403 without database work for a valid token lacking read:traces', async () => {
    const res = await get(await hs(good({ role: 'billing' })));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(db.calls).toBe(0);
  });

  it('lets a permissions claim extend the role defaults', async () => {
    const res = await get(await hs(good({ role: 'billing', permissions: ['read:traces'] })));
    expect(res.statusCode).toBe(404);
  });
});

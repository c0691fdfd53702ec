// JWT_PUBLIC_KEY loading: PEM text or a file path; the key type fixes the algorithm.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.js';
import { loadPublicKey } from '../../src/auth/public-key.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const spki = (kp: { publicKey: KeyObject }) => String(kp.publicKey.export({ type: 'spki', format: 'pem' }));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPublic = spki(rsa);

// A self-signed EC P-256 certificate (and its key, only to sign a test token).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATegAwIBAgIUPlvQdMUwWs6XJTChm6aI+3GhIwIwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSdHJhY2VsZW5zLXRlc3QtaWRwMCAXDTI2MTEyNjIzMTc0MFoY
DzIxMjYxMTAyMjMxNzQwWjAdMRswGQYDVQQDDBJ0cmFjZWxlbnMtdGVzdC1pZHAw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAReT+IwDyCBHXLZkU6yzBXcyfJTsNzh
GHqM8XnnRe6gIgYwqbqgP8ZyQJyeRHaAFJKxPDBeWQWMR9/qJzPAcIrXo1MwUTAd
BgNVHQ4EFgQUPGHlsn3ZzUNPlt2ArRIwwVrN3GowHwYDVR0jBBgwFoAUPGHlsn3Z
zUNPlt2ArRIwwVrN3GowDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBE
AiABt6pCPst9VhRIJC+C6N8qoqbgvD01RgpAYPGCQpKbkwIgGL3OcshGvSdxBLkQ
aJu4mf4We/REZDALyzmj2TAkeEM=
-----END CERTIFICATE-----
`;
const CERT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgY8+xBfSy4Ro88tHR
KYeBSMsvn6N9gr/jN18kq8fQ2CyhRANCAAReT+IwDyCBHXLZkU6yzBXcyfJTsNzh
GHqM8XnnRe6gIgYwqbqgP8ZyQJyeRHaAFJKxPDBeWQWMR9/qJzPAcIrX
-----END PRIVATE KEY-----
`;

const dir = mkdtempSync(join(tmpdir(), 'tracelens-pk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadPublicKey', () => {
  it('reads PEM text: RSA -> RS256', () => {
    expect(loadPublicKey(rsaPublic).alg).toBe('RS256');
  });
  it('accepts PEM flattened to one line with literal \\n', () => {
    expect(loadPublicKey(rsaPublic.replace(/\n/g, '\\n')).alg).toBe('RS256');
  });
  it('accepts PKCS#1 "RSA PUBLIC KEY"', () => {
    expect(loadPublicKey(String(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }))).alg).toBe('RS256');
  });
  it('reads a file path: EC P-256 -> ES256', () => {
    const path = join(dir, 'ec.pem');
    writeFileSync(path, spki(generateKeyPairSync('ec', { namedCurve: 'P-256' })));
    expect(loadPublicKey(path).alg).toBe('ES256');
  });
  it('takes the public key of an X.509 certificate, and verifies tokens with it', async () => {
    expect(loadPublicKey(CERT).alg).toBe('ES256');
    const config = loadConfig({ JWT_PUBLIC_KEY: CERT });
    const token = await new SignJWT({ role: 'viewer', projects: ['p'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('u')
      .setExpirationTime('5m')
      .sign(await importPKCS8(CERT_KEY, 'ES256'));
    await expect(createVerifier(config).verify(token)).resolves.toMatchObject({ sub: 'u', role: 'viewer' });
  });

  it.each([
    ['a private key', () => String(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }))],
    ['RSA below 2048 bits', () => spki(generateKeyPairSync('rsa', { modulusLength: 1024 }))],
    ['EC on P-384', () => spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }))],
    ['Ed25519', () => spki(generateKeyPairSync('ed25519'))],
    ['broken PEM', () => '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----'],
    ['a missing file', () => join(dir, 'missing.pem')],
  ])('refuses %s with an error naming JWT_PUBLIC_KEY', (_name, value) => {
    expect(configError(() => loadPublicKey(value())).variable).toBe('JWT_PUBLIC_KEY');
  });
});

describe('createVerifier', () => {
  it('refuses to start with no key at all, naming JWT_SECRET', () => {
    expect(configError(() => createVerifier(loadConfig({}))).variable).toBe('JWT_SECRET');
  });
  it('uses the development secret when no key is configured', async () => {
    const devSecret = 'development-secret-0123456789-abcdefgh';
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('dev')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(devSecret));
    await expect(createVerifier(loadConfig({}), devSecret).verify(token)).resolves.toMatchObject({ projects: 'all' });
  });
  it('fails at start, not per request, on a bad JWT_PUBLIC_KEY', () => {
    const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), JWT_PUBLIC_KEY: 'not-a-file-or-pem' });
    expect(configError(() => createVerifier(config)).variable).toBe('JWT_PUBLIC_KEY');
  });
});

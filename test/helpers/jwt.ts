// JWT fixtures for auth tests: key pairs, a token builder that can produce
// hostile headers, and a tiny JWKS server on 127.0.0.1 that counts its hits.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface TestKeyPair {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicPem: string;
  publicJwk: JWK;
}

export async function testKeyPair(alg: 'RS256' | 'ES256', kid: string): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicPem: await exportSPKI(publicKey), publicJwk };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Claims of a valid token; tests override what they attack. */
export function claims(overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { sub: 'user-1', role: 'viewer', projects: ['proj-a'], iat: now, exp: now + 600, ...overrides };
}

/** Signs claims with any header (alg and key must agree, as jose requires). */
export async function signToken(
  key: CryptoKey | Uint8Array,
  header: Record<string, unknown> & { alg: string },
  payload: JWTPayload = claims(),
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

/** An unsecured token (`alg: none` or a variant), optionally with a fake signature part. */
export function unsignedToken(alg: string, payload: JWTPayload = claims(), signature = ''): string {
  return `${b64({ alg, typ: 'JWT' })}.${b64(payload)}.${signature}`;
}

/** Raw compact token from arbitrary header and payload text. */
export function rawToken(header: unknown, payload: unknown, signature = 'c2ln'): string {
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

export interface JwksServer {
  url: string;
  /** Requests received, by path. */
  hits: Map<string, number>;
  totalHits(): number;
  close(): Promise<void>;
}

/**
 * Serves `{keys}` for each path in `sets`; a path mapped to 'stall' never
 * answers (to exercise the fetch timeout).
 */
export async function startJwksServer(sets: Record<string, JWK[] | 'stall'>): Promise<JwksServer> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const set = sets[path];
    if (set === 'stall') return; // keep the socket open, answer nothing
    if (!set) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: set }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

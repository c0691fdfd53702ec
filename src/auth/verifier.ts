// Chooses how bearer tokens are verified. Each configured key is bound to its
// own algorithm family: the HMAC secret verifies HS256 only, a PEM public key
// only the one asymmetric algorithm of its type, the JWKS only RS256/ES256
// (and jose checks each JWK's type against the token's alg). That closes the
// key-confusion attack (HS256 "signed" with the RSA public key as secret), and
// `alg: none` is never in any list. Header members that point at keys (jku,
// x5u, jwk, x5c) are ignored: keys come from configuration only, and `kid` only
// selects among the keys of the configured JWKS.
import type { KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ConfigError, type Config } from '../config.js';
import { appError } from '../errors.js';
import { loadPublicKey } from './public-key.js';
import type { Principal } from './principal.js';
import { principalFromClaims, type TokenVerifier } from './tokens.js';
import { KeySetUnavailable, isKeyMismatch, toAuthError } from './verify-errors.js';

export type TokenAlg = 'HS256' | 'RS256' | 'ES256';

interface KeySource {
  readonly algs: readonly TokenAlg[];
  readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
}

// Cached key sets are refreshed at most every 10 minutes; an unknown kid may
// trigger a refetch at most every 30 seconds, so random kids cannot make us
// hammer the identity provider.
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const JWKS_COOLDOWN_MS = 30_000;

function jwksSource(url: string, timeoutMs: number): KeySource {
  const jwks = createRemoteJWKSet(new URL(url), {
    timeoutDuration: timeoutMs,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: JWKS_COOLDOWN_MS,
  });
  const key: JWTVerifyGetKey = async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (err) {
      // "No key for this kid" is the caller's problem (401); a failed fetch is not.
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw err;
      throw new KeySetUnavailable(err);
    }
  };
  return { algs: ['RS256', 'ES256'], key };
}

function keySources(config: Config, devSecret?: string): KeySource[] {
  const sources: KeySource[] = [];
  const secret = config.jwt.secret ?? devSecret;
  if (secret) sources.push({ algs: ['HS256'], key: new TextEncoder().encode(secret) });
  if (config.jwt.publicKey) {
    const pk = loadPublicKey(config.jwt.publicKey);
    sources.push({ algs: [pk.alg], key: pk.key });
  }
  if (config.jwt.jwksUrl) sources.push(jwksSource(config.jwt.jwksUrl, config.jwt.jwksTimeoutMs));
  return sources;
}

/** The token's alg, read before any key is chosen; nothing else in the header is trusted. */
function headerAlg(token: string): string {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw appError.UNAUTHORIZED('Token is malformed or cannot be verified');
  }
  if (typeof header.alg !== 'string') throw appError.UNAUTHORIZED('Token header has no algorithm');
  return header.alg;
}

/**
 * The single entry point for token verification.
 * devSecret: the generated secret of development mode (embedded engine, no JWT_SECRET).
 */
export function createVerifier(config: Config, devSecret?: string): TokenVerifier {
  return withVerifiedTokenCache(createUncachedVerifier(config, devSecret));
}

interface Verified {
  principal: Principal;
  /** The token's exp, in ms. */
  expMs: number;
}

// A signature check is about a tenth of a cheap request's CPU, and clients
// send the same token thousands of times. Successful verifications are kept
// for at most a minute and never past the token's own exp; a key removed from
// the JWKS therefore stops being honoured within a minute. Failures are never
// cached, and the key is the whole token, so nothing but the identical token
// can hit.
const VERIFIED_TOKEN_TTL_MS = 60_000;
const VERIFIED_TOKEN_MAX = 10_000;

function withVerifiedTokenCache(inner: { verify(token: string): Promise<Verified> }): TokenVerifier {
  const cache = new LRUCache<string, Verified>({ max: VERIFIED_TOKEN_MAX });
  return {
    async verify(token) {
      const hit = cache.get(token);
      if (hit && hit.expMs > Date.now()) return hit.principal;
      const verified = await inner.verify(token);
      const ttl = Math.min(VERIFIED_TOKEN_TTL_MS, verified.expMs - Date.now());
      if (ttl > 0) cache.set(token, verified, { ttl });
      return verified.principal;
    },
  };
}

function createUncachedVerifier(config: Config, devSecret?: string): { verify(token: string): Promise<Verified> } {
  const sources = keySources(config, devSecret);
  if (sources.length === 0) {
    throw new ConfigError('JWT_SECRET', 'no token verification key configured (set JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL)');
  }
  const accepted = [...new Set(sources.flatMap((s) => s.algs))];
  const claimOptions = {
    clockTolerance: config.jwt.clockToleranceS,
    requiredClaims: ['sub', 'exp'],
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
  };
  return {
    async verify(token) {
      const alg = headerAlg(token);
      const candidates = sources.filter((s) => (s.algs as readonly string[]).includes(alg));
      if (candidates.length === 0) throw appError.UNAUTHORIZED(`Token algorithm is not accepted (accepted: ${accepted.join(', ')})`);
      let lastError: unknown;
      for (const source of candidates) {
        let payload;
        try {
          ({ payload } = await jwtVerify(token, source.key, { ...claimOptions, algorithms: [alg] }));
        } catch (err) {
          // Only "not this key" moves on to the next key; expired or wrong
          // audience under a valid signature is final.
          lastError = err;
          if (isKeyMismatch(err)) continue;
          throw toAuthError(err);
        }
        return { principal: principalFromClaims(payload), expMs: (payload.exp ?? 0) * 1000 };
      }
      throw toAuthError(lastError);
    },
  };
}

// Keyset cursors: base64url(JSON payload) "." base64url(HMAC-SHA256). The
// payload carries the last row's exact sort value and id, the hash of the
// query it belongs to, and the resolved time bounds (so relative bounds such as
// now-1h keep naming the same result set on every page). Any change to the
// token, or its reuse with another filter, sort, range or tenant, is a 400.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appError } from '../errors.js';

export interface CursorPayload {
  /** Hash of the canonical query (see queryHash). */
  readonly h: string;
  /** Sort value of the last row returned (exact text for decimals and timestamps), or null. */
  readonly k: string | number | null;
  /** id of the last row returned: the unique tie-breaker. */
  readonly i: number;
  /** Resolved from/to bounds (ISO), or null when unbounded. */
  readonly f: string | null;
  readonly t: string | null;
}

const MAX_CURSOR_LENGTH = 2048;

export function queryHash(canonical: string): string {
  return createHash('sha256').update(canonical).digest('base64url');
}

function mac(key: Uint8Array, body: string): Buffer {
  return createHmac('sha256', key).update(body).digest();
}

export function encodeCursor(key: Uint8Array, p: CursorPayload): string {
  const body = Buffer.from(JSON.stringify({ v: 1, h: p.h, k: p.k, i: p.i, f: p.f, t: p.t })).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

const invalidCursor = appError.INVALID_CURSOR;

export function decodeCursor(key: Uint8Array, token: string, expectedHash: string): CursorPayload {
  if (token.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    throw invalidCursor('not a cursor issued by this API');
  }
  const [body, sig] = token.split('.') as [string, string];
  const given = Buffer.from(sig, 'base64url');
  const want = mac(key, body);
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw invalidCursor('signature check failed');
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('malformed payload');
  }
  const p = raw as Record<string, unknown>;
  const okBound = (x: unknown) => x === null || (typeof x === 'string' && x.length <= 40);
  if (
    typeof p !== 'object' || p === null || p.v !== 1 || typeof p.h !== 'string' ||
    !(p.k === null || typeof p.k === 'string' || typeof p.k === 'number') ||
    typeof p.i !== 'number' || !Number.isSafeInteger(p.i) || !okBound(p.f) || !okBound(p.t)
  ) {
    throw invalidCursor('malformed payload');
  }
  if (p.h !== expectedHash) {
    throw invalidCursor('it belongs to a different query (filter, sort, time range or projects changed)');
  }
  return { h: p.h, k: p.k, i: p.i, f: p.f as string | null, t: p.t as string | null };
}

/**
 * The cursor HMAC key: CURSOR_SECRET, else derived from the JWT secret (so
 * every instance sharing the secret accepts each other's cursors), else a
 * random per-process key (development mode, or public-key auth without
 * CURSOR_SECRET: cursors then only work on the instance that issued them).
 */
export function cursorKeyFrom(cursorSecret: string | null, jwtSecret: string | null, random: () => Uint8Array): Uint8Array {
  if (cursorSecret) return createHash('sha256').update(`tracelens-cursor|${cursorSecret}`).digest();
  if (jwtSecret) return createHmac('sha256', jwtSecret).update('tracelens-cursor-v1').digest();
  return random();
}

// Keyset cursors: round trip, and every way a token can be wrong is INVALID_CURSOR.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { cursorKeyFrom, decodeCursor, encodeCursor, queryHash, type CursorPayload } from '../../src/query/cursor.js';

const KEY = new Uint8Array(32).fill(7);
const HASH = queryHash('{"sort":"ts"}');
const PAYLOAD: CursorPayload = { h: HASH, k: '2026-11-20T10:00:00.000000Z', i: 42, f: '2026-11-19T10:00:00.000Z', t: null };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
  throw new Error('expected an error');
}

describe('cursor', () => {
  it('decodes what it encoded', () => {
    expect(decodeCursor(KEY, encodeCursor(KEY, PAYLOAD), HASH)).toEqual(PAYLOAD);
    const nulls = { ...PAYLOAD, k: null, f: null };
    expect(decodeCursor(KEY, encodeCursor(KEY, nulls), HASH)).toEqual(nulls);
  });

  it('rejects another query, another key, an altered body and garbage', () => {
    const token = encodeCursor(KEY, PAYLOAD);
    expect(codeOf(() => decodeCursor(KEY, token, queryHash('{"sort":"duration_ms"}')))).toBe('INVALID_CURSOR');
    expect(codeOf(() => decodeCursor(new Uint8Array(32).fill(8), token, HASH))).toBe('INVALID_CURSOR');
    const [body, sig] = token.split('.');
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), i: 43 })).toString('base64url');
    expect(codeOf(() => decodeCursor(KEY, `${altered}.${sig}`, HASH))).toBe('INVALID_CURSOR');
    for (const bad of ['', 'abc', 'a.b.c', 'x'.repeat(3000), `${body}.`]) {
      expect(codeOf(() => decodeCursor(KEY, bad, HASH)), bad.slice(0, 20)).toBe('INVALID_CURSOR');
    }
  });

  it('rejects a correctly signed payload of the wrong shape', () => {
    // Signed as the format says (HMAC-SHA256 of the body): only the shape check stands between it and the query.
    const signed = (payload: unknown) => {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${body}.${createHmac('sha256', KEY).update(body).digest('base64url')}`;
    };
    expect(decodeCursor(KEY, signed({ v: 1, ...PAYLOAD }), HASH)).toEqual(PAYLOAD);
    for (const bad of [{ v: 2, ...PAYLOAD }, { v: 1, ...PAYLOAD, k: {} }, { v: 1, ...PAYLOAD, i: 1.5 }, { v: 1, ...PAYLOAD, f: 'x'.repeat(41) }, [1, 2]]) {
      expect(codeOf(() => decodeCursor(KEY, signed(bad), HASH)), JSON.stringify(bad).slice(0, 40)).toBe('INVALID_CURSOR');
    }
  });

  it('derives one key per secret, the same on every instance', () => {
    const random = () => new Uint8Array(32).fill(1);
    expect(cursorKeyFrom('s'.repeat(32), null, random)).toEqual(cursorKeyFrom('s'.repeat(32), 'j'.repeat(32), random));
    expect(cursorKeyFrom(null, 'j'.repeat(32), random)).toEqual(cursorKeyFrom(null, 'j'.repeat(32), random));
    expect(cursorKeyFrom(null, 'j'.repeat(32), random)).not.toEqual(cursorKeyFrom(null, 'k'.repeat(32), random));
    expect(cursorKeyFrom(null, null, random)).toEqual(random());
  });
});

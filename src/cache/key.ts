// Cache keys: a hash of the tenant scope and the normalized request.
// The scope is scopeKey(principal) (org, role, visible projects), never the
// user alone: two users with the same scope see the same rows and share
// entries; two tenants never do.
import { createHash } from 'node:crypto';
import { scopeKey, type Principal } from '../auth/principal.js';
import { canonicalJson } from './canonical-json.js';

export type CacheKind = 'trace' | 'search' | 'list' | 'aggregate';

/** What a route hands to the cache: everything that decides the answer, already normalized. */
export interface CacheRequest {
  kind: CacheKind;
  /**
   * The normalized request: e.g. compiled SQL and params, fields, sort, limit.
   * Must be deterministic for equal requests; must not hold absolute times
   * resolved from relative ones (the key would change every millisecond).
   */
  query: unknown;
  /** The time range as the caller sent it; relative forms (now-1h) stay relative. Drives the TTL. */
  from?: string | null;
  to?: string | null;
  /** A request with a cursor is never cached (pages are cheap keyset reads and would flood the cache). */
  cursor?: string | null;
}

/** Bump when the shape of cached payloads changes, so old entries are ignored after a deploy. */
const KEY_VERSION = 'v2';

export function cacheKey(prefix: string, principal: Principal, req: CacheRequest): string {
  const material = canonicalJson({
    scope: scopeKey(principal),
    kind: req.kind,
    query: foldOperatorCase(req.query),
    from: req.from ?? null,
    to: req.to ?? null,
  });
  const hash = createHash('sha256').update(material).digest('base64url');
  return `${prefix}cache:${KEY_VERSION}:${req.kind}:${hash}`;
}

/**
 * Filter operator names are case-insensitive in the contract (AND/and, EQ/eq).
 * Lower-casing them in filter nodes ({operator, field} or {operator, filters})
 * keeps one entry per meaning even when a route keys on the wire filter.
 */
function foldOperatorCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(foldOperatorCase);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const obj = value as Record<string, unknown>;
  const isFilterNode = typeof obj.operator === 'string' && ('field' in obj || 'filters' in obj);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = k === 'operator' && isFilterNode ? (v as string).toLowerCase() : k === 'value' ? v : foldOperatorCase(v);
  }
  return out;
}

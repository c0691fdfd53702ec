// How long an answer may be reused. Data of the last hour still changes
// (spans keep arriving), so anything touching it, or without a lower bound,
// gets the short default; a range that ended more than an hour ago is
// effectively immutable and keeps longer.
import type { Config } from '../config.js';
import type { CacheRequest } from './key.js';

const RECENT_MS = 60 * 60 * 1000;
const RECENT_AGGREGATE_TTL_S = 5;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE_RE = /^now(?:\s*-\s*(\d+)\s*([smhdw]))?$/i;

/** Epoch ms of an ISO or relative (now, now-7d) bound; null when absent or unreadable. */
export function resolveBound(bound: string | null | undefined, now: number): number | null {
  if (bound === null || bound === undefined || bound === '') return null;
  const rel = RELATIVE_RE.exec(bound.trim());
  if (rel) return rel[1] ? now - Number(rel[1]) * UNIT_MS[rel[2]!.toLowerCase()]! : now;
  const t = Date.parse(bound);
  return Number.isNaN(t) ? null : t;
}

export function ttlSeconds(cache: Config['cache'], req: Pick<CacheRequest, 'kind' | 'from' | 'to'>, now = Date.now()): number {
  const from = resolveBound(req.from, now);
  const to = resolveBound(req.to, now);
  // An unreadable bound counts as "recent": the short TTL is the safe side.
  const historical = from !== null && to !== null && to < now - RECENT_MS;
  // Aggregates must not hide a just-ingested span for long (the contract's freshness bound).
  if (!historical) return req.kind === 'aggregate' ? Math.min(cache.defaultTtlS, RECENT_AGGREGATE_TTL_S) : cache.defaultTtlS;
  return req.kind === 'aggregate' ? cache.aggregateTtlS : cache.historicalTtlS;
}

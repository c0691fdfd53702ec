// The shape of a query without its values, for the slow-query log: which
// fields and operators, how nested, never what was searched for. Built from
// the wire JSON so it is value-free by construction rather than by care.
import { createHash } from 'node:crypto';

const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;
const LOGICAL = new Set(['AND', 'OR', 'NOT']);
const MAX_DEPTH = 16;

function name(v: unknown): string {
  // Field names are user input until validated; anything odd is not echoed.
  return typeof v === 'string' && SAFE_NAME.test(v) ? v : '?';
}

/**
 * "AND(provider:eq,input_text:search,OR(duration_ms:gte,total_cost_usd:gt))"
 * for a search filter tree. Children keep their order: the order is part of
 * what the client sent, and sorting would merge shapes the compiler treats apart.
 */
export function filterShape(node: unknown, depth = 0): string {
  if (node === null || node === undefined) return '-';
  if (typeof node !== 'object' || Array.isArray(node) || depth > MAX_DEPTH) return '?';
  const n = node as { operator?: unknown; filters?: unknown; field?: unknown };
  const op = typeof n.operator === 'string' ? n.operator.toUpperCase() : '';
  if (LOGICAL.has(op) && Array.isArray(n.filters)) {
    return `${op}(${n.filters.map((c) => filterShape(c, depth + 1)).join(',')})`;
  }
  return `${name(n.field)}:${name(typeof n.operator === 'string' ? n.operator.toLowerCase() : undefined)}`;
}

/** "from,limit,provider,search" for a list request's query parameters: names only, sorted. */
export function paramsShape(query: Record<string, unknown>): string {
  return Object.keys(query).map(name).sort().join(',');
}

/** A short stable id of a shape, to group slow-log lines and compare across instances. */
export function shapeFingerprint(shape: string): string {
  return createHash('sha256').update(shape).digest('hex').slice(0, 12);
}

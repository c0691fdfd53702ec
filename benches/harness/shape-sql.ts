// The exact SQL and parameters the API runs for a benchmark shape (first page,
// no cursor), for the raw-database floor and for EXPLAIN.
import { principalFromClaims } from '../../src/auth/tokens.js';
import type { QueryShape } from '../../src/perf/query-shapes.js';
import { searchRequestFromBody } from '../../src/traces/search-request.js';
import { buildPageSql } from '../../src/traces/page-sql.js';
import type { FloorQuery } from './floor.js';

/** `null` = admin (every project); otherwise a viewer of these projects. */
export type BenchScope = readonly string[] | null;

export function benchClaims(scope: BenchScope): Record<string, unknown> {
  return scope === null ? { sub: 'bench', role: 'admin' } : { sub: 'bench', role: 'viewer', projects: [...scope] };
}

export function shapeSql(shape: QueryShape, scope: BenchScope): FloorQuery {
  const req = searchRequestFromBody(shape.body, principalFromClaims({ ...benchClaims(scope), exp: 0 }));
  return buildPageSql(req, { from: null, to: null }, null);
}

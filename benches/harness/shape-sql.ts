// The exact SQL and parameters the API runs for a benchmark shape (first page,
// no cursor), for the raw-database floor and for EXPLAIN.
import { principalFromClaims } from '../../src/auth/tokens.js';
import type { QueryShape } from '../../src/perf/query-shapes.js';
import type { Queryable } from '../../src/storage/driver.js';
import { searchRequestFromBody } from '../../src/traces/search-request.js';
import { buildPageSql } from '../../src/traces/page-sql.js';
import { pageStatements, runPageStatements } from '../../src/traces/search-service.js';
import type { FloorQuery } from './floor.js';

/** `null` = admin (every project); otherwise a viewer of these projects. */
export type BenchScope = readonly string[] | null;

export function benchClaims(scope: BenchScope): Record<string, unknown> {
  return scope === null ? { sub: 'bench', role: 'admin' } : { sub: 'bench', role: 'viewer', projects: [...scope] };
}

function shapeRequest(shape: Pick<QueryShape, 'body'>, scope: BenchScope) {
  return searchRequestFromBody(shape.body, principalFromClaims({ ...benchClaims(scope), exp: 0 }));
}

/** The plain one-statement page (what the API ran before it split pages into attempts). */
export function shapeSql(shape: Pick<QueryShape, 'body'>, scope: BenchScope): FloorQuery {
  return buildPageSql(shapeRequest(shape, scope), { from: null, to: null }, null);
}

/**
 * The statements the API runs for the shape's first page on this data: each
 * attempt up to the first that answers (src/traces/search-service.ts), found
 * by running them once.
 */
export async function shapeStatements(db: Queryable, shape: Pick<QueryShape, 'body'>, scope: BenchScope): Promise<FloorQuery[]> {
  const req = shapeRequest(shape, scope);
  const steps = await pageStatements(db, req, { from: null, to: null }, null, Date.now());
  // The API's own loop over the attempts, recording the statements it runs.
  const ran: FloorQuery[] = [];
  const recorder: Queryable = {
    query: (sql, params, opts) => {
      ran.push({ sql, params: params ?? [] });
      return db.query(sql, params, opts);
    },
  };
  await runPageStatements(recorder, steps, req.limit, {});
  return ran;
}

// Does each query shape use an index rather than a sequential scan of
// llm_traces, and does a full-text shape use a GIN index?
//
// The SQL is the real one: the body goes through searchRequestFromBody and
// the page SQL builders exactly as a request would, as a tenant of the project with the
// most recent span.
//
// The EXPLAIN runs with enable_seqscan = off, in its own transaction (SET LOCAL,
// so the setting never leaks into a pooled connection). The question the check
// answers is "can this shape use its index", which does not depend on the
// table's size; "would the planner pick it" does: on a table of a few thousand
// rows a sequential scan is the right plan and would be reported as a problem
// on every fresh or small database. With sequential scans disabled, a Seq Scan
// still in the plan means no index can serve the shape at all. (Which index the
// planner prefers still follows the statistics: a full-text shape only shows
// its GIN index once the index's pending list has been merged by VACUUM.)
import type { FilterNode } from '../query/ast.js';
import { searchRequestFromBody } from '../traces/search-request.js';
import { ATTRIBUTE_NUMBERS, TABLE } from '../query/fields.js';
import { ROLE_PERMISSIONS, type Principal } from '../auth/principal.js';
import { planPageSql, resolveBounds } from '../traces/page-sql.js';
import { ADMIN, type CheckFamily, type CheckResult, type DoctorContext } from './check.js';
import { expectedIndexes } from './expected-indexes.js';
import { partitionRoots, rootName, type RootNames } from './partition-names.js';
import { describePlan, rootPlan, scanNodes } from './plan-tree.js';
import type { QueryShape } from './query-shape.js';

/** A positive full-text predicate every matching row must satisfy: a GIN index can drive the scan. */
export function requiresFullText(n: FilterNode | null): boolean {
  if (n === null) return false;
  switch (n.kind) {
    case 'predicate':
      return n.op === 'search' && !n.negated;
    case 'and':
      return n.children.some(requiresFullText);
    case 'or':
      return n.children.length > 0 && n.children.every(requiresFullText);
    case 'not':
      return false;
  }
}

/** projects null: an admin, whose queries span every project (as the benchmark runs them). */
function tenant(projects: readonly string[] | null): Principal {
  return {
    sub: 'tracelens-doctor',
    orgId: null,
    role: projects === null ? 'admin' : 'developer',
    permissions: new Set(ROLE_PERMISSIONS[projects === null ? 'admin' : 'developer']),
    projects: projects === null ? 'all' : [...projects].sort(),
    tokenId: null,
  };
}

/** The SQL a search body compiles to for a tenant of these projects (null: an admin), exactly as a request's. */
export function searchSql(body: QueryShape['body'], projects: readonly string[] | null, now: number) {
  const req = searchRequestFromBody(body, tenant(projects));
  // The last statement of a page is the one a rare or absent value ends up
  // running over the whole range (src/traces/page-sql.ts, planPageSql): the
  // one whose index the checks are about.
  const steps = planPageSql(req, resolveBounds(req, now), null, { recentSince: null });
  return { req, ...steps[steps.length - 1]! };
}

const matches = (expect: string | RegExp, index: string) => (typeof expect === 'string' ? index === expect : expect.test(index));

async function checkShape(ctx: DoctorContext, shape: QueryShape, defaultProjects: readonly string[], methods: Map<string, string>, roots: RootNames): Promise<CheckResult> {
  const base = { check: 'query-plans', subject: shape.name };
  let sql: string;
  let params: readonly unknown[];
  let fullText: boolean;
  try {
    let req;
    ({ req, sql, params } = searchSql(shape.body, shape.projects === undefined ? defaultProjects : shape.projects, ctx.now));
    fullText = requiresFullText(req.filter);
  } catch (err) {
    return { ...base, status: 'fail', message: `shape '${shape.name}' is not a valid search body: ${(err as Error).message}` };
  }
  const rows = await ctx.db.transaction(async (tx) => {
    await tx.query('SET LOCAL enable_seqscan = off', [], ADMIN);
    return (await tx.query<Record<string, unknown>>(`EXPLAIN (FORMAT JSON) ${sql}`, params, ADMIN)).rows;
  });
  const plan = rootPlan(rows);
  const details = describePlan(plan, (leaf) => rootName(roots, leaf));
  // A partition's scan is a scan of the table; its index is the schema's index.
  const scans = scanNodes(plan).map((n) => ({ ...n, relation: n.relation && rootName(roots, n.relation), index: n.index && rootName(roots, n.index) }));
  const used = [...new Set(scans.map((s) => s.index).filter((i): i is string => i !== null && methods.has(i)))];
  const data = { indexes: used, fullText, sql };

  if (scans.some((s) => s.nodeType === 'Seq Scan' && s.relation === TABLE)) {
    return {
      ...base,
      status: 'warn',
      message: `'${shape.name}' falls back to a sequential scan of ${TABLE}: no index serves it`,
      details,
      fix: `-- no index on ${TABLE} can serve this shape: the indexes check names any that are missing.\n${fixFor(shape.expectIndex)}`,
      data,
    };
  }
  // A named intended index governs (checked below); a common value may rightly walk the time index.
  if (fullText && shape.expectIndex === undefined && !shape.commonValue && !used.some((i) => methods.get(i) === 'gin')) {
    return {
      ...base,
      status: 'warn',
      message: `full-text shape '${shape.name}' uses no GIN index (uses ${used.join(', ') || 'none'})`,
      details,
      fix: fixFor(shape.expectIndex),
      data,
    };
  }
  if (shape.expectIndex !== undefined && !used.some((i) => matches(shape.expectIndex!, i))) {
    return {
      ...base,
      status: 'warn',
      message: `'${shape.name}' uses ${used.join(', ') || 'no index'}, not the intended ${String(shape.expectIndex)}`,
      details,
      fix: fixFor(shape.expectIndex),
      data,
    };
  }
  return { ...base, status: 'pass', message: `'${shape.name}' uses ${used.join(', ')}`, details, data };
}

/** Recreate the intended index when the schema declares it; otherwise refresh statistics and GIN pending lists. */
function fixFor(expect: string | RegExp | undefined): string {
  const declared = expect === undefined ? undefined : expectedIndexes().find((e) => matches(expect, e.name));
  const refresh = `VACUUM (ANALYZE) ${TABLE};  -- or: tracelens maintain`;
  return declared ? `${refresh}\n-- if the indexes check reports ${declared.name} missing:\n${declared.createSql}` : refresh;
}

export const queryPlans: CheckFamily = {
  id: 'query-plans',
  async run(ctx) {
    const latest = await ctx.db.query<{ project_id: string }>(`SELECT project_id FROM ${TABLE} ORDER BY ts DESC, id DESC LIMIT 1`, [], ADMIN);
    const projects = [latest.rows[0]?.project_id ?? 'tracelens-doctor'];
    const am = await ctx.db.query<{ name: string; method: string }>(
      `SELECT c.relname AS name, am.amname AS method
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
        WHERE i.indrelid = $1::regclass OR i.indrelid = to_regclass($2)`,
      // The side table of attribute numbers (0012) serves attribute ranges through its own index.
      [TABLE, ATTRIBUTE_NUMBERS],
      ADMIN,
    );
    const methods = new Map(am.rows.map((r) => [r.name, r.method]));
    const roots = await partitionRoots(ctx.db);
    const results: CheckResult[] = [];
    for (const shape of ctx.shapes) results.push(await checkShape(ctx, shape, projects, methods, roots));
    return results;
  },
};

// Runs a report for a principal: permissions, tenant scope, the resolved
// range, the result cache and meta. Each report service is a function of a
// ReportContext; this is the only place that decides who may run it and
// how long its answer may be reused.
import { authorizeReport, type ReportName } from '../../auth/permissions.js';
import type { Principal } from '../../auth/principal.js';
import type { ResultCache } from '../../cache/result-cache.js';
import { canonicalFilter } from '../../query/request.js';
import type { Queryable } from '../../storage/driver.js';
import type { SourceName } from '../planner.js';
import { resolveReportRange, type ReportQuery } from './params.js';
import type { ReportContext } from './report-context.js';

export interface ReportEnv {
  db: Queryable;
  cache?: Pick<ResultCache, 'wrap'> | null;
  /** Clock for relative bounds (tests pin it). */
  now?: number;
  signal?: AbortSignal;
  requestId?: string;
}

export interface ReportPage {
  cursor: string | null;
  has_more: boolean;
  limit: number;
  total: number | null;
}

/** What a report returns: its data, and a page when it is a list. */
export interface ReportOutput<T> {
  data: T;
  pagination?: ReportPage;
}

export interface ReportResult<T> extends ReportOutput<T> {
  /** The source of the report's main figures (meta.source). */
  source: SourceName;
  sources: SourceName[];
  from: string;
  to: string;
}

export interface ReportDef {
  /** Cache namespace and log name; also what decides who may run it (REPORT_PERMISSIONS). */
  name: ReportName;
}

export async function runReport<T>(
  principal: Principal,
  def: ReportDef,
  query: ReportQuery,
  /** Everything else that decides the answer (the report's own parameters), canonical. */
  params: unknown,
  env: ReportEnv,
  compute: (ctx: ReportContext) => Promise<ReportOutput<T>>,
): Promise<{ result: ReportResult<T>; cached: boolean }> {
  const scope = authorizeReport(principal, def.name, query);
  const now = env.now ?? Date.now();
  const range = resolveReportRange(query, now);
  const run = async (): Promise<ReportResult<T>> => {
    const ctx: ReportContext = { db: env.db, scope, query, ...range, now, signal: env.signal, requestId: env.requestId, sources: [] };
    const out = await compute(ctx);
    return {
      ...out,
      source: ctx.sources[0] ?? 'raw',
      sources: ctx.sources,
      from: new Date(range.fromMs).toISOString(),
      to: new Date(range.toMs).toISOString(),
    };
  };
  if (!env.cache) return { result: await run(), cached: false };
  const { value, cached } = await env.cache.wrap(
    principal,
    {
      kind: 'aggregate',
      query: ['report', def.name, params, query.filter === null ? null : canonicalFilter(query.filter), scope],
      from: query.from,
      to: query.to,
    },
    run,
  );
  return { result: value, cached };
}

/** A report as one call: parse the raw parameters, run it for a principal. */
export type ReportRunner = (principal: Principal, raw: Record<string, unknown>, env: ReportEnv) => Promise<{ result: ReportResult<unknown>; cached: boolean }>;

/** The runner of a report whose request carries its ReportQuery and whose other fields are its cache key. */
export function reportRunner<R extends { query: ReportQuery }, T>(
  def: ReportDef,
  parse: (raw: Record<string, unknown>) => R,
  compute: (ctx: ReportContext, req: R) => Promise<ReportOutput<T>>,
): ReportRunner {
  return (principal, raw, env) => {
    const req = parse(raw);
    const { query, ...rest } = req;
    return runReport(principal, def, query, rest, env, (ctx) => compute(ctx, req));
  };
}

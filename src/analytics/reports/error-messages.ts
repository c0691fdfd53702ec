// The most common errors: failed spans (status_code ERROR) grouped by their
// normalized message. The metrics engine groups by columns, not by a text
// pattern, so this is a storage query of its own, built from the same pieces
// as search: the filter compiler, the tenant scope and parameters only.
//
// Normalization replaces what varies between two occurrences of the same
// error (ids, numbers, e-mail addresses, quoted values) with placeholders,
// so "Request timed out after 30000 ms" and "... after 60000 ms" are one
// error. The rules are POSIX regular expressions run by PostgreSQL, in order.
import { compileNode, SqlParams } from '../../query/compile.js';
import { TABLE } from '../../query/fields.js';
import { scopeSql } from '../../traces/page-sql.js';
import { ERROR_ROLLUP_TABLE } from '../catalog.js';
import { openBucketCondition } from '../compile-metrics.js';
import { openBucketGuards, type OpenBucketGuard } from '../planner.js';
import { noteSource, type ReportContext } from './report-context.js';

const DAY = 86_400_000;

/** [pattern, replacement], applied in this order (docs/analytics-endpoints.md lists them). */
export const ERROR_NORMALIZATION_RULES: ReadonlyArray<readonly [string, string]> = [
  ['[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'],
  ['[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', '<email>'],
  ['"[^"]*"', '"<str>"'],
  ["'[^']*'", "'<str>'"],
  ['[0-9]+(\\.[0-9]+)+', '<n>'],
  // Any word with a digit in it: numbers, hex ids, masked keys.
  ['\\m\\w*[0-9]\\w*\\M', '<n>'],
  ['\\s+', ' '],
];
/** Messages are grouped on their first characters (after normalization). */
export const NORMALIZED_MAX_LENGTH = 300;

export interface ErrorGroup {
  /** The normalized message (null: errors without a message). */
  message: string | null;
  /** The most recent original message of the group. */
  sample_message: string | null;
  count: number;
  /** Share of all errors in range, 0..1. */
  share: number;
  affected_users: number;
  last_seen: string;
}

/** The normalization as a chain of regexp_replace over `expr` (the rules above; tracelens_error_signature() of migration 0010 is the same chain). */
export function normalizedSql(params: SqlParams, expr = 'error_message'): string {
  for (const [pattern, replacement] of ERROR_NORMALIZATION_RULES) {
    expr = `regexp_replace(${expr}, ${params.append(pattern, 'text')}, ${params.append(replacement, 'text')}, 'g')`;
  }
  return `left(btrim(${expr}), ${NORMALIZED_MAX_LENGTH})`;
}

interface GroupRow {
  sig: string | null;
  n: string | number;
  users: string | number;
  sample: string | null;
  last_seen: Date | string;
  total: string | number;
}

/**
 * Top `limit` error groups by count within the report's range, scope and
 * filter. Without a filter, whole UTC days come from llm_rollup_error_1d
 * (one row per day, signature and user: no regular expression at query
 * time) and the ragged ends of the range from raw rows (the day that holds
 * `to` from its rollup rows when no span follows `to` in it); with a filter, or
 * when `raw` is asked for, everything from raw rows. Both give the same
 * groups: counts add up, users are counted distinct over the union, the
 * sample is the latest (ts, id) occurrence.
 */
export async function topErrors(ctx: ReportContext, limit: number, opts: { raw?: boolean } = {}): Promise<ErrorGroup[]> {
  const params = new SqlParams();
  const scope = ctx.scope === null ? null : scopeSql(ctx.scope, params);
  const iso = (ms: number) => params.append(new Date(ms).toISOString(), 'timestamptz');
  const rawPart = (fromMs: number, toMs: number) => {
    const conds = [`status_code = 'ERROR'`, ...(scope === null ? [] : [scope]), `ts >= ${iso(fromMs)}`, `ts < ${iso(toMs)}`];
    if (ctx.query.filter !== null) conds.push(compileNode(ctx.query.filter, params));
    return `SELECT tracelens_error_signature(error_message) AS sig, user_id, 1::bigint AS n, ts AS last_seen, id AS last_id, error_message AS sample FROM ${TABLE} WHERE ${conds.join(' AND ')}`;
  };
  const dayA = Math.ceil(ctx.fromMs / DAY) * DAY;
  const dayB = Math.floor(ctx.toMs / DAY) * DAY;
  const parts: string[] = [];
  let readsRaw = true;
  // Whole days from the error rollup, unless raw rows are asked for or needed.
  // A range shorter than a day that crosses midnight still reads it: the day that holds `to` is open below.
  const rollup = !(opts.raw || ctx.query.filter !== null || dayA > dayB || (dayA === dayB && dayB === ctx.toMs));
  if (!rollup) {
    parts.push(rawPart(ctx.fromMs, ctx.toMs));
  } else {
    readsRaw = ctx.fromMs < dayA || dayB < ctx.toMs;
    if (ctx.fromMs < dayA) parts.push(rawPart(ctx.fromMs, dayA));
    const days = (fromMs: number, toMs: number, guard?: OpenBucketGuard) => {
      const conds = [...(scope === null ? [] : [scope]), `bucket >= ${iso(fromMs)}`, `bucket < ${iso(toMs)}`];
      if (guard !== undefined) conds.push(openBucketCondition(guard, scope, params));
      return `SELECT signature AS sig, user_id, n, last_seen, last_id, sample FROM ${ERROR_ROLLUP_TABLE} WHERE ${conds.join(' AND ')}`;
    };
    if (dayA < dayB) parts.push(days(dayA, dayB));
    if (dayB < ctx.toMs) {
      // The day that holds `to` (usually today): its rollup rows when no span follows `to` that day
      // (as the metrics engine reads an open bucket), its raw rows otherwise.
      const guards = openBucketGuards(ctx.toMs, dayB + DAY);
      parts.push(days(dayB, dayB + DAY, guards.empty));
      parts.push(`${rawPart(dayB, ctx.toMs)} AND ${openBucketCondition(guards.present, scope, params)}`);
    }
    noteSource(ctx, 'rollup_1d');
  }
  const sql =
    `SELECT sig, sum(n) AS n, count(DISTINCT user_id) AS users, (array_agg(sample ORDER BY last_seen DESC, last_id DESC))[1] AS sample, max(last_seen) AS last_seen,` +
    ` sum(sum(n)) OVER () AS total FROM (${parts.join(' UNION ALL ')}) e` +
    ` GROUP BY sig ORDER BY n DESC, sig COLLATE "C" ASC NULLS LAST LIMIT ${params.append(limit, 'bigint')}`;
  const res = await ctx.db.query<GroupRow>(sql, params.values, { kind: 'metrics', signal: ctx.signal, requestId: ctx.requestId, shape: 'report top-errors', serial: rollup, genericPlan: rollup });
  if (readsRaw) noteSource(ctx, 'raw');
  // Every row carries the count of all errors in range (the window sum), the denominator of `share`.
  return res.rows.map((r) => ({
    message: r.sig,
    sample_message: r.sample,
    count: Number(r.n),
    share: Number(r.n) / Number(r.total),
    affected_users: Number(r.users),
    last_seen: new Date(r.last_seen).toISOString(),
  }));
}

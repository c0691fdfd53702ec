// The most common errors: failed spans (status_code ERROR) grouped by their
// normalized message. The metrics engine groups by columns, not by a text
// pattern, so this is a storage query of its own, built from the same pieces
// as search: the filter compiler, the tenant scope and parameters only.
//
// Normalization replaces what varies between two occurrences of the same
// error (ids, numbers, e-mail addresses, quoted values) with placeholders,
// so "Request timed out after 30000 ms" and "... after 60000 ms" are one
// error. The rules are POSIX regular expressions run by PostgreSQL, in order.
import { SqlParams } from '../../query/compile.js';
import { noteSource, rawConditions, type ReportContext } from './report-context.js';

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

function normalizedSql(params: SqlParams): string {
  let expr = 'error_message';
  for (const [pattern, replacement] of ERROR_NORMALIZATION_RULES) {
    expr = `regexp_replace(${expr}, ${params.append(pattern, 'text')}, ${params.append(replacement, 'text')}, 'g')`;
  }
  return `left(btrim(${expr}), ${NORMALIZED_MAX_LENGTH})`;
}

/** Top `limit` error groups by count within the report's range, scope and filter. */
export async function topErrors(ctx: ReportContext, limit: number): Promise<ErrorGroup[]> {
  const params = new SqlParams();
  const conds = [`status_code = 'ERROR'`, ...rawConditions(ctx, params)];
  const sql =
    `SELECT sig, count(*) AS n, count(DISTINCT user_id) AS users, (array_agg(error_message ORDER BY ts DESC))[1] AS sample, max(ts) AS last_seen,` +
    ` sum(count(*)) OVER () AS total` +
    ` FROM (SELECT ${normalizedSql(params)} AS sig, error_message, user_id, ts FROM llm_traces WHERE ${conds.join(' AND ')}) e` +
    ` GROUP BY sig ORDER BY n DESC, sig COLLATE "C" ASC NULLS LAST LIMIT ${params.append(limit, 'bigint')}`;
  const res = await ctx.db.query<{ sig: string | null; n: string | number; users: string | number; sample: string | null; last_seen: Date | string; total: string | number }>(
    sql,
    params.values,
    { kind: 'metrics', signal: ctx.signal, requestId: ctx.requestId, shape: 'report top-errors' },
  );
  noteSource(ctx, 'raw');
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

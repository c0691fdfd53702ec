// The slowest statements as pg_stat_statements measured them, when the
// extension is there; how to enable it when it is not.
import { ADMIN, type CheckFamily, type CheckResult } from './check.js';

/** Statements called fewer times than this are one-offs (VACUUM, index builds) and not ranked. */
const MIN_CALLS = 10;
const TOP = 5;

interface StatementRow {
  query: string;
  calls: number;
  mean_ms: number;
  total_ms: number;
}

function enableFix(preload: string): string {
  const libs = [...preload.split(',').map((s) => s.trim()).filter(Boolean), 'pg_stat_statements'];
  return (
    `-- load the module at server start (keeps the libraries already listed), then restart PostgreSQL:\n` +
    `ALTER SYSTEM SET shared_preload_libraries = '${[...new Set(libs)].join(',')}';\n` +
    `-- after the restart, in this database:\n` +
    `CREATE EXTENSION IF NOT EXISTS pg_stat_statements;`
  );
}

export const slowStatements: CheckFamily = {
  id: 'slow-statements',
  postgresOnly: 'pg_stat_statements is not available in the embedded engine',
  async run({ db, slowQueryMs }) {
    const base = { check: 'slow-statements', subject: 'pg_stat_statements' };
    const preload = (await db.query<{ v: string }>(`SELECT current_setting('shared_preload_libraries') AS v`, [], ADMIN)).rows[0]!.v;
    const installed = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`, [], ADMIN)).rows.length > 0;
    const loaded = preload.split(',').some((s) => s.trim() === 'pg_stat_statements');
    if (!installed || !loaded) {
      return [
        {
          ...base,
          status: 'warn',
          message: installed
            ? 'pg_stat_statements is installed in this database but not loaded (not in shared_preload_libraries): no statement statistics'
            : 'pg_stat_statements is not enabled: without it the slowest statements cannot be listed',
          fix: enableFix(preload),
          data: { installed, loaded },
        },
      ];
    }
    // Columns are named *_exec_time since PostgreSQL 13.
    const res = await db.query<StatementRow>(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls::float8 AS calls,
              mean_exec_time AS mean_ms, total_exec_time AS total_ms
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls >= $1
        ORDER BY mean_exec_time DESC LIMIT $2`,
      [MIN_CALLS, TOP],
      ADMIN,
    );
    const details = res.rows.map(
      (r) => `${r.mean_ms.toFixed(1)} ms mean, ${r.calls} calls, ${(r.total_ms / 1000).toFixed(1)} s total: ${r.query.slice(0, 160)}${r.query.length > 160 ? '…' : ''}`,
    );
    const slow = res.rows.filter((r) => slowQueryMs > 0 && r.mean_ms >= slowQueryMs);
    const data = { statements: res.rows };
    const out: CheckResult = slow.length
      ? {
          ...base,
          status: 'warn',
          message: `${slow.length} statements average ${slowQueryMs} ms (SLOW_QUERY_MS) or more`,
          details,
          fix: '-- run the slow statement with its parameters under EXPLAIN (ANALYZE, BUFFERS) to see where the time goes',
          data,
        }
      : {
          ...base,
          status: res.rows.length ? 'pass' : 'info',
          message: res.rows.length ? `no statement averages ${slowQueryMs} ms or more; the slowest:` : `no statement called ${MIN_CALLS} times or more yet`,
          details,
          data,
        };
    return [out];
  },
};

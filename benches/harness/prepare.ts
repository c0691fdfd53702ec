// Makes the benchmark database ready: seeded to the wanted size (seeding an
// empty one), migrated, and vacuumed once after the bulk load, as autovacuum
// would leave a production table (a fresh COPY leaves the full-text GIN
// indexes with a long pending list that every search must scan).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BENCH_JWT_SECRET } from './bench-env.js';
import { PLANT_RARE_VALUES_SQL, rareText } from '../../src/seed/rare-values.js';

const BIN = fileURLToPath(new URL('../../bin/tracelens.js', import.meta.url));

export interface DatabaseInfo {
  rows: number;
  postgres: string;
  sharedBuffers: string;
  maxConnections: string;
}

function cli(args: string[], url: string): void {
  // No statement timeout: COPY of a large batch and index builds take longer than a query.
  const r = spawnSync(process.execPath, [BIN, ...args], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: url, JWT_SECRET: BENCH_JWT_SECRET, DB_STATEMENT_TIMEOUT_MS: '0' },
  });
  if (r.status !== 0) throw new Error(`tracelens ${args.join(' ')} failed (exit ${r.status})`);
}

/** seedArgs: extra `tracelens seed` flags (the analytics suite seeds 90 days). */
export async function prepareDatabase(url: string, wantRows: number, log: (m: string) => void, seedArgs: string[] = []): Promise<DatabaseInfo> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    const name = new URL(url).pathname.slice(1);
    throw new Error(`cannot connect to ${url.replace(/\/\/[^@]*@/, '//')} (${(err as Error).message}); create it with: createdb -h 127.0.0.1 -U postgres ${name}`);
  }
  try {
    const table = await client.query<{ t: string | null }>(`SELECT to_regclass('llm_traces')::text AS t`);
    const count = async () =>
      table.rows[0]!.t === null ? 0 : Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM llm_traces')).rows[0]!.n);
    let rows = await count();
    if (rows === 0) {
      log(`seeding ${wantRows.toLocaleString('en-US')} spans (a few minutes)...`);
      cli(['seed', '--rows', String(wantRows), ...seedArgs], url);
      rows = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM llm_traces')).rows[0]!.n);
    } else if (rows < wantRows) {
      throw new Error(
        `the benchmark database holds ${rows} spans, fewer than --rows ${wantRows}; drop and recreate it (dropdb/createdb) to reseed, or pass --rows ${rows}`,
      );
    }
    cli(['migrate'], url);
    // A database seeded before the rare-value rule existed gets it now (the same rows a fresh seed would have).
    const planted = await client.query(`SELECT 1 FROM llm_traces WHERE user_id = $1 LIMIT 1`, [rareText('spread', 'user_id')]);
    if (planted.rowCount === 0) {
      log('planting the rare values (src/seed/rare-values.ts)...');
      await client.query(PLANT_RARE_VALUES_SQL);
      await client.query('VACUUM ANALYZE llm_traces');
    }
    const vac = await client.query<{ v: boolean }>(
      // A partitioned table has no vacuum statistics of its own: its partitions do.
      `SELECT coalesce(bool_or(coalesce(last_vacuum, last_autovacuum) IS NOT NULL), false) AS v FROM pg_stat_user_tables` +
        ` WHERE relid = 'llm_traces'::regclass OR relid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'llm_traces'::regclass)`,
    );
    if (!vac.rows[0]?.v) {
      log('first run after seeding: VACUUM ANALYZE llm_traces (merges the GIN pending lists)...');
      await client.query('VACUUM ANALYZE llm_traces');
    }
    // The rollup and report tables too: autovacuum would have analysed them in a deployment, and
    // without statistics the planner sizes their statements as a few rows (serial plans that a
    // production database, with statistics, would not pick).
    const never = await client.query<{ t: string }>(
      `SELECT quote_ident(relname) AS t FROM pg_stat_user_tables WHERE coalesce(last_vacuum, last_autovacuum) IS NULL` +
        ` AND relid <> 'llm_traces'::regclass AND relid NOT IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'llm_traces'::regclass)`,
    );
    if (never.rows.length > 0) {
      log(`VACUUM ANALYZE of ${never.rows.length} tables never vacuumed (rollups, report tables)...`);
      for (const { t } of never.rows) await client.query(`VACUUM ANALYZE ${t}`);
    }
    const setting = async (name: string) => (await client.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
    return {
      rows,
      postgres: await setting('server_version'),
      sharedBuffers: await setting('shared_buffers'),
      maxConnections: await setting('max_connections'),
    };
  } finally {
    await client.end();
  }
}

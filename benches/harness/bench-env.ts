// The benchmark environment, written once: the local PostgreSQL, the seeded
// databases of each suite, the JWT secret of the servers the benches start
// and the admin token they send.
import { mintToken } from '../../src/auth/tokens.js';

/** The local PostgreSQL server (trust auth); a database name is appended. */
export const BENCH_SERVER_URL = 'postgres://postgres@127.0.0.1:5432';
/** 1M seeded spans over 30 days: the search, list, export and doctor suites. */
export const BENCH_DATABASE_URL = `${BENCH_SERVER_URL}/tracelens_bench`;
/** 1M seeded spans over 90 days: the metrics query and report suites. */
export const ANALYTICS_BENCH_DATABASE_URL = `${BENCH_SERVER_URL}/tracelens_bench_analytics`;
/** The project a one-project (viewer) scope is limited to: the largest of the seed's three. */
export const BENCH_PROJECT = 'support-bot';

/** DATABASE_URL when set, else the suite's own database. */
export function benchDatabaseUrl(suiteDefault: string): string {
  return process.env.DATABASE_URL ?? suiteDefault;
}

/** The secret of the servers a bench starts (JWT_SECRET overrides it); never a production secret. */
export const BENCH_JWT_SECRET = process.env.JWT_SECRET ?? 'tracelens-benchmark-secret-not-for-production-use';

/** An admin token for a bench's own server, valid for a long run. */
export function benchAdminToken(sub = 'bench'): Promise<string> {
  return mintToken(BENCH_JWT_SECRET, { sub, role: 'admin', ttlS: 6 * 3600 });
}

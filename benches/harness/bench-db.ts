// The benchmark database: 1M seeded spans in the local PostgreSQL.
export const BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tracelens_bench';
/** The project a one-project (viewer) scope is limited to: the largest of the seed's three. */
export const BENCH_PROJECT = 'support-bot';

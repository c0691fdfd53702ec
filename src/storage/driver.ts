// The storage boundary. Both engines speak PostgreSQL, so one compiler serves
// both; only this interface's implementations differ.

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** What a query is for: labels metrics and the slow-query log. */
export type QueryKind = 'search' | 'list' | 'trace' | 'ingest' | 'metrics' | 'health' | 'migrate' | 'admin' | 'export' | 'other';

export interface QueryOptions {
  kind?: QueryKind;
  /** Aborting cancels the statement on the server (client went away). */
  signal?: AbortSignal;
  /** The HTTP request this statement serves; shown in the slow-query log. */
  requestId?: string;
  /** Value-free shape of the filter (see metrics/query-shape.ts); never the values themselves. */
  shape?: string;
  /**
   * Run as a named statement, parsed once per connection (src/storage/prepared-statements.ts):
   * for statements whose text repeats per query shape, values only in parameters. Ignored by the embedded engine.
   */
  prepare?: boolean;
  /**
   * Prepared, and planned once per connection whatever the values (plan_cache_mode = force_generic_plan):
   * only for statements whose best plan does not depend on their values. Ignored by the embedded engine.
   */
  genericPlan?: boolean;
  /**
   * Without parallel workers (max_parallel_workers_per_gather = 0): for statements over the rollups,
   * whose few thousand wide rows cost more to pass through a Gather than to read (a 90-day histogram
   * statement: 72 ms with two workers, 11 ms without). Ignored by the embedded engine.
   */
  serial?: boolean;
}

/** What the observer learns about a statement besides kind and duration: never SQL or parameters. */
export type QueryInfo = Pick<QueryOptions, 'requestId' | 'shape'>;

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<R>>;
}

/** A transaction's handle: queries plus parameterless scripts (migrations). */
export interface Tx extends Queryable {
  exec(sql: string): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface Driver extends Queryable {
  readonly engine: 'postgres' | 'embedded';
  /** Runs a multi-statement script without parameters (migrations only). */
  exec(sql: string): Promise<void>;
  /** Runs fn in one transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Cheap liveness probe with a short bound. */
  ping(timeoutMs?: number): Promise<void>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

export type QueryObserver = (kind: QueryKind, durationMs: number, ok: boolean, info?: QueryInfo) => void;

// node-postgres driver: a pg.Pool with every pool setting of the contract,
// plus the guards that turn a sick database into fast, honest 503s:
// a bounded wait queue, a connect timeout, a client-side query timeout for
// stalled connections, and a short fail-fast window after a connection failure.
import pg from 'pg';
import type { Config } from '../config.js';
import { appError, type AppError } from '../errors.js';
import { withTimeout } from '../with-timeout.js';
import { isConnectionFailure, toAppError } from './db-errors.js';
import { DEFAULT_SESSION_MODE, prepareOn, useSessionMode } from './prepared-statements.js';
import type { Driver, PoolStats, QueryObserver, QueryOptions, QueryResult, Tx } from './driver.js';

/**
 * Type parsers of this driver's connections (not pg's process-wide table, so
 * importing the driver changes no other client): int8 (count(*), identity
 * ids) as JS numbers, since our ids stay far below 2^53; numeric stays a
 * string so costs are never rounded through a float in transit.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresDriverOptions {
  url: string;
  pool: Config['db'];
  applicationName?: string;
  observe?: QueryObserver;
  /**
   * Named statements and the generic plan mode (QueryOptions.prepare, genericPlan); default true.
   * Off behind a transaction-mode pooler, where neither survives from one transaction to the next.
   */
  preparedStatements?: boolean;
  /** work_mem of every connection in kB (DB_WORK_MEM_KB); absent: the server's. */
  workMemKb?: number;
  /** Spans written on these connections leave their rollup deltas pending for the fold (ROLLUP_MODE=deferred, migration 0014). */
  deferredRollups?: boolean;
}

/** After a connection-level failure, answer 503 at once for this long instead of piling onto a dead server. */
const FAIL_FAST_WINDOW_MS = 1000;
/** Margin over the server-side statement timeout before the client gives up on a silent connection. */
const CLIENT_TIMEOUT_MARGIN_MS = 5000;

export class PostgresDriver implements Driver {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly observe: QueryObserver | undefined;
  private readonly prepared: boolean;
  private readonly maxWaiting: number;
  private readonly url: string;
  private readonly connectTimeoutMs: number;
  private failFastUntil = 0;
  /** Requests queued for a connection; a connection failure turns them all into 503s at once. */
  private readonly waiters = new Set<(err: AppError) => void>();

  constructor(opts: PostgresDriverOptions) {
    this.observe = opts.observe;
    this.prepared = opts.preparedStatements ?? true;
    this.maxWaiting = opts.pool.maxWaiting;
    this.url = opts.url;
    const connectTimeoutMs = Math.min(opts.pool.connectTimeoutMs, opts.pool.acquireTimeoutMs);
    this.connectTimeoutMs = connectTimeoutMs;
    // pg-pool hands its own options to each new Client, so connectionTimeoutMillis
    // would mean "acquire" and "connect" at once. A Client subclass gives the
    // TCP/startup phase its own, shorter bound.
    class BoundedClient extends pg.Client {
      constructor(cfg: pg.ClientConfig) {
        super({ ...cfg, connectionTimeoutMillis: connectTimeoutMs });
        // A checked-out client whose connection drops between queries emits
        // 'error' with no pool listener attached, which would crash the process.
        // Each query sees the failure itself, so this listener only prevents the crash.
        this.on('error', () => {});
      }
    }
    const st = opts.pool.statementTimeoutMs;
    const config: pg.PoolConfig = {
      connectionString: opts.url,
      // The rule misreads this cast: without it BoundedClient's required-argument
      // constructor does not fit PoolConfig's `new () => ClientBase` (tsc fails).
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      Client: BoundedClient as unknown as typeof pg.Client,
      max: opts.pool.poolMax,
      min: opts.pool.poolMin,
      connectionTimeoutMillis: opts.pool.acquireTimeoutMs,
      idleTimeoutMillis: opts.pool.idleTimeoutMs,
      maxLifetimeSeconds: opts.pool.maxLifetimeS,
      statement_timeout: st > 0 ? st : undefined,
      // Client-side bound: a connection whose server went silent never answers
      // the server-side timeout, so the client must stop waiting by itself.
      query_timeout: st > 0 ? st + CLIENT_TIMEOUT_MARGIN_MS : undefined,
      application_name: opts.applicationName ?? 'tracelens',
      // No JIT for the API's statements: they run for milliseconds, and the
      // adaptive page query's fallback branch (src/traces/page-sql.ts) is
      // costed above jit_above_cost for a common value even when it never
      // runs, so every such page paid 20-30 ms of compilation for nothing.
      // work_mem: the analytics statements hash tens of thousands of groups (users, hours x
      // models); under the server default of 4 MB the planner sorts them on disk instead.
      options: `-c jit=off${opts.workMemKb === undefined ? '' : ` -c work_mem=${opts.workMemKb}kB`}${opts.deferredRollups ? ' -c tracelens.rollup_mode=deferred' : ''}`,
      keepAlive: true,
      types: TYPES,
    };
    this.pool = new pg.Pool(config);
    // An idle client whose server went away emits 'error' on the pool; without a
    // listener Node would crash the process. The pool drops the client itself.
    this.pool.on('error', () => this.noteConnectionFailure());
  }

  private noteConnectionFailure(): void {
    this.failFastUntil = Date.now() + FAIL_FAST_WINDOW_MS;
    // Without this, requests already queued in the pool would each wait for a
    // free slot and then for their own connect timeout against the dead server:
    // under load, far longer than the acquire timeout, one slot at a time.
    const err = appError.DATABASE_UNAVAILABLE();
    for (const giveUp of this.waiters) giveUp(err);
    this.waiters.clear();
  }

  /** Acquires a client, or fails fast with a 503 when the database is known down or the queue is full. */
  private async acquire(): Promise<pg.PoolClient> {
    if (Date.now() < this.failFastUntil) {
      throw appError.DATABASE_UNAVAILABLE();
    }
    if (this.pool.idleCount === 0 && this.pool.totalCount >= this.pool.options.max && this.pool.waitingCount >= this.maxWaiting) {
      throw appError.DATABASE_BUSY();
    }
    const pending = this.pool.connect();
    return new Promise<pg.PoolClient>((resolve, reject) => {
      const giveUp = (err: AppError) => {
        // A connection that arrives after we gave up goes back to the pool, not astray.
        pending.then((c) => c.release()).catch(() => {});
        reject(err);
      };
      this.waiters.add(giveUp);
      pending.then(
        (client) => {
          this.waiters.delete(giveUp);
          resolve(client);
        },
        (err: unknown) => {
          this.waiters.delete(giveUp);
          const appErr = toAppError(err);
          reject(appErr);
          // The acquire timeout means a busy pool, not a dead server: others keep waiting.
          const queueTimeout = /timeout exceeded when trying to connect/.test((err as Error)?.message ?? '');
          if (appErr.code === 'DATABASE_UNAVAILABLE' && !queueTimeout) this.noteConnectionFailure();
        },
      );
    });
  }

  async query<R>(sql: string, params: readonly unknown[] = [], opts: QueryOptions = {}): Promise<QueryResult<R>> {
    const started = performance.now();
    let client: pg.PoolClient;
    try {
      client = await this.acquire();
    } catch (err) {
      this.observe?.(opts.kind ?? 'other', performance.now() - started, false, opts);
      throw err;
    }
    try {
      // Session settings only where sessions are ours: behind a transaction-mode pooler they would
      // stay on a server connection that other clients' transactions get next.
      const generic = this.prepared && opts.genericPlan === true;
      await useSessionMode(client, { generic, serial: this.prepared && opts.serial === true });
      const name = this.prepared && (opts.prepare || generic) ? await prepareOn(client, sql) : undefined;
      const res = await runCancellable<R>(client, sql, params, opts.signal, name);
      this.observe?.(opts.kind ?? 'other', performance.now() - started, true, opts);
      client.release(abandoned(opts.signal));
      return { rows: res.rows, rowCount: res.rowCount ?? res.rows.length };
    } catch (err) {
      this.observe?.(opts.kind ?? 'other', performance.now() - started, false, opts);
      // A connection-level failure leaves the client unusable: destroy it.
      const broken = isConnectionFailure(err);
      if (broken) this.noteConnectionFailure();
      client.release(broken ? (err as Error) : abandoned(opts.signal));
      throw toAppError(err);
    }
  }

  async exec(sql: string): Promise<void> {
    const client = await this.acquire();
    try {
      await useSessionMode(client, DEFAULT_SESSION_MODE);
      // No parameters: pg uses the simple protocol, which accepts several statements.
      await client.query(sql);
      client.release();
    } catch (err) {
      client.release(isConnectionFailure(err) ? (err as Error) : undefined);
      throw toAppError(err);
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    const tx: Tx = {
      exec: async (sql: string) => {
        await client.query(sql);
      },
      query: async <R>(sql: string, params: readonly unknown[] = [], opts: QueryOptions = {}) => {
        const started = performance.now();
        try {
          const res = await client.query(sql, params as unknown[]);
          this.observe?.(opts.kind ?? 'other', performance.now() - started, true, opts);
          return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
        } catch (err) {
          this.observe?.(opts.kind ?? 'other', performance.now() - started, false, opts);
          throw err;
        }
      },
    };
    let broken: Error | undefined;
    try {
      await useSessionMode(client, DEFAULT_SESSION_MODE);
      await client.query('BEGIN');
      const out = await fn(tx);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      if (isConnectionFailure(err)) {
        broken = err as Error;
        this.noteConnectionFailure();
      } else {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      }
      throw toAppError(err);
    } finally {
      client.release(broken);
    }
  }

  async ping(timeoutMs = 2000): Promise<void> {
    // The probe ignores the fail-fast window: it is how recovery is noticed.
    const pending = this.pool.connect();
    const client = await withTimeout(pending, timeoutMs).catch((err) => {
      // A connection that arrives after we gave up goes back to the pool, not astray.
      pending.then((c) => c.release()).catch(() => {});
      throw toAppError(err);
    });
    const started = performance.now();
    try {
      await withTimeout(client.query('SELECT 1'), timeoutMs);
      this.observe?.('health', performance.now() - started, true, {});
      client.release();
      this.failFastUntil = 0;
    } catch (err) {
      this.observe?.('health', performance.now() - started, false, {});
      client.release(err as Error);
      throw toAppError(err);
    }
  }

  /**
   * A connection of its own, outside the pool, with its own statement timeout
   * (0 = none): an export reads for minutes and must neither hold a pool slot
   * the API needs nor be cut off by the API's timeout. The caller ends it.
   */
  async connectDedicated(o: { statementTimeoutMs: number; applicationName: string }): Promise<pg.Client> {
    if (Date.now() < this.failFastUntil) {
      throw appError.DATABASE_UNAVAILABLE();
    }
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.connectTimeoutMs,
      application_name: o.applicationName,
      statement_timeout: o.statementTimeoutMs > 0 ? o.statementTimeoutMs : undefined,
      keepAlive: true,
      types: TYPES,
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      throw toAppError(err);
    }
    return client;
  }

  poolStats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The release argument for a connection whose request went away: an error,
 * so the pool closes it. Its cancel (runCancellable) travels over another
 * connection and may land after the statement ended; PostgreSQL cancels
 * whatever the backend runs at that moment, which on a reused connection
 * would be the next request's statement (seen as spurious QUERY_TIMEOUTs at
 * the end of load runs). A closed backend runs nothing, so nothing else can
 * be hit.
 */
function abandoned(signal: AbortSignal | undefined): Error | undefined {
  return signal?.aborted ? new Error('request abandoned: connection closed so a late cancel cannot reach another statement') : undefined;
}

/**
 * Runs a query; when the signal aborts (the HTTP client went away) asks the
 * server to cancel the statement so it stops using a backend.
 */
async function runCancellable<R>(client: pg.PoolClient, sql: string, params: readonly unknown[], signal?: AbortSignal, name?: string) {
  const query: pg.QueryConfig = { text: sql, values: params as unknown[], ...(name === undefined ? {} : { name }) };
  if (!signal) return client.query(query) as unknown as Promise<pg.QueryResult<R & pg.QueryResultRow>>;
  if (signal.aborted) throw appError.CLIENT_CLOSED_REQUEST();
  const pid = (client as unknown as { processID?: number }).processID;
  const onAbort = () => {
    if (pid === undefined) return;
    // pg_cancel_backend over a separate short-lived connection: the busy one cannot talk.
    const c = new pg.Client({ ...(client as unknown as { connectionParameters: pg.ClientConfig }).connectionParameters });
    c.on('error', () => {});
    c.connect()
      .then(() => c.query('SELECT pg_cancel_backend($1)', [pid]))
      .catch(() => {})
      .finally(() => void c.end().catch(() => {}));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return (await client.query(query)) as unknown as pg.QueryResult<R & pg.QueryResultRow>;
  } catch (err) {
    // Our own cancel after the client went away is not a statement timeout.
    if (signal.aborted) throw appError.CLIENT_CLOSED_REQUEST();
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

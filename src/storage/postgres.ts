// node-postgres driver: a pg.Pool with every pool setting of the contract.
import pg from 'pg';
import type { Config } from '../config.js';
import { toAppError } from './db-errors.js';
import type { Driver, PoolStats, QueryObserver, QueryOptions, QueryResult, Tx } from './driver.js';

// int8 (count(*), identity ids) as JS numbers: our ids stay far below 2^53.
// numeric stays a string so costs are never rounded through a float in transit.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresDriverOptions {
  url: string;
  pool: Config['db'];
  applicationName?: string;
  observe?: QueryObserver;
}

export class PostgresDriver implements Driver {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly observe: QueryObserver | undefined;

  constructor(opts: PostgresDriverOptions) {
    this.observe = opts.observe;
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.pool.poolMax,
      min: opts.pool.poolMin,
      connectionTimeoutMillis: opts.pool.acquireTimeoutMs,
      idleTimeoutMillis: opts.pool.idleTimeoutMs,
      maxLifetimeSeconds: opts.pool.maxLifetimeS,
      statement_timeout: opts.pool.statementTimeoutMs > 0 ? opts.pool.statementTimeoutMs : undefined,
      application_name: opts.applicationName ?? 'tracelens',
      keepAlive: true,
    });
    // An idle client whose server went away emits 'error' on the pool; without a
    // listener Node would crash the process. The pool drops the client itself.
    this.pool.on('error', () => {});
  }

  async query<R>(sql: string, params: readonly unknown[] = [], opts: QueryOptions = {}): Promise<QueryResult<R>> {
    const started = performance.now();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      this.observe?.(opts.kind ?? 'other', performance.now() - started, false, opts);
      throw toAppError(err);
    }
    try {
      const res = await runCancellable<R>(client, sql, params, opts.signal);
      this.observe?.(opts.kind ?? 'other', performance.now() - started, true, opts);
      client.release();
      return { rows: res.rows, rowCount: res.rowCount ?? res.rows.length };
    } catch (err) {
      this.observe?.(opts.kind ?? 'other', performance.now() - started, false, opts);
      // A connection-level failure leaves the client unusable: destroy it.
      client.release(isConnectionFailure(err) ? (err as Error) : undefined);
      throw toAppError(err);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      // No parameters: pg uses the simple protocol, which accepts several statements.
      await this.pool.query(sql);
    } catch (err) {
      throw toAppError(err);
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw toAppError(err);
    }
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
      await client.query('BEGIN');
      const out = await fn(tx);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      if (isConnectionFailure(err)) broken = err as Error;
      else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw toAppError(err);
    } finally {
      client.release(broken);
    }
  }

  async ping(timeoutMs = 2000): Promise<void> {
    await withTimeout(this.query('SELECT 1', [], { kind: 'health' }), timeoutMs);
  }

  poolStats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  const msg = (err as Error)?.message ?? '';
  return code.startsWith('08') || code.startsWith('57P') || /^E[A-Z]+$/.test(code) || /Connection terminated|connection ended/i.test(msg);
}

/**
 * Runs a query; when the signal aborts (the HTTP client went away) asks the
 * server to cancel the statement so it stops using a backend.
 */
async function runCancellable<R>(client: pg.PoolClient, sql: string, params: readonly unknown[], signal?: AbortSignal) {
  if (!signal) return client.query(sql, params as unknown[]) as unknown as Promise<pg.QueryResult<R & pg.QueryResultRow>>;
  if (signal.aborted) throw Object.assign(new Error('canceled by client'), { code: '57014' });
  const pid = (client as unknown as { processID?: number }).processID;
  const onAbort = () => {
    if (pid === undefined) return;
    // pg_cancel_backend over a separate short-lived connection: the busy one cannot talk.
    const c = new pg.Client({ ...(client as unknown as { connectionParameters: pg.ClientConfig }).connectionParameters });
    c.connect()
      .then(() => c.query('SELECT pg_cancel_backend($1)', [pid]))
      .catch(() => {})
      .finally(() => void c.end().catch(() => {}));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return (await client.query(sql, params as unknown[])) as unknown as pg.QueryResult<R & pg.QueryResultRow>;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const t = setTimeout(() => reject(Object.assign(new Error(`timed out after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolvePromise(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

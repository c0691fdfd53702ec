// The reader behind the read endpoints when DATABASE_READ_URL is set: sends
// each statement to the replica or the primary by its kind (routing.ts), and
// bypasses a replica that is down or lags beyond READ_MAX_LAG_S until a
// background probe sees it healthy again. Reads never fail because of the
// replica alone: the primary answers them meanwhile, counted in
// db_read_fallbacks_total.
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.js';
import type { Config } from '../config.js';
import type { Driver, PoolStats, QueryKind, QueryObserver, QueryOptions, QueryResult, Tx } from '../storage/driver.js';
import { PostgresDriver } from '../storage/postgres.js';
import { setComponentUp } from '../metrics/db-metrics.js';
import { withTimeout } from '../with-timeout.js';
import { readFallbacks, replicaLag, type FallbackReason } from './metrics.js';
import { LagTracker, parseLsn } from './replica-lag.js';
import { READ_ROUTES } from './routing.js';

export type ReplicaState = 'healthy' | 'lagging' | 'unhealthy';

export interface ReplicaStatus {
  state: ReplicaState;
  /** Seconds behind the primary at the last probe; null while unreachable. */
  lagS: number | null;
}

export interface ReadRouterOptions {
  primary: Driver;
  replica: Driver;
  /**
   * The lag probe's own connections (one each): probing through the request
   * pools would time out whenever they are saturated and declare a busy
   * replica dead, sending all its reads to the primary exactly under load.
   */
  probe: { primary: Driver; replica: Driver };
  maxLagS: number;
  /** How often the lag probe runs (two tiny statements, one per server). */
  probeIntervalMs?: number;
  log?: Pick<FastifyBaseLogger, 'warn' | 'info'>;
}

const DEFAULT_PROBE_INTERVAL_MS = 1000;

export class ReadRouter implements Driver {
  readonly engine = 'postgres' as const;
  readonly primary: Driver;
  readonly replica: Driver;
  private readonly probeDrivers: ReadRouterOptions['probe'];
  private readonly maxLagS: number;
  private readonly probeIntervalMs: number;
  private readonly lag = new LagTracker();
  private log: Pick<FastifyBaseLogger, 'warn' | 'info'> | undefined;
  // Unproven until the first probe: reads start on the primary.
  private status: ReplicaStatus = { state: 'unhealthy', lagS: null };
  private timer: NodeJS.Timeout | null = null;
  private probing: Promise<void> | null = null;

  constructor(opts: ReadRouterOptions) {
    this.primary = opts.primary;
    this.replica = opts.replica;
    this.probeDrivers = opts.probe;
    this.maxLagS = opts.maxLagS;
    this.probeIntervalMs = opts.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
    this.log = opts.log;
  }

  useLogger(log: Pick<FastifyBaseLogger, 'warn' | 'info'>): void {
    this.log = log;
  }

  /** Runs the first probe and then one every probeIntervalMs until close(). */
  async start(): Promise<void> {
    await this.probe();
    const tick = () => {
      this.timer = setTimeout(() => void this.probe().finally(() => this.timer && tick()), this.probeIntervalMs);
      this.timer.unref();
    };
    tick();
  }

  replicaStatus(): ReplicaStatus {
    return this.status;
  }

  /** One probe: the replica's replayed WAL position against the primary's, each bounded. */
  probe(): Promise<void> {
    // Never two at once: a slow server must not stack probes up.
    this.probing ??= this.measure().finally(() => (this.probing = null));
    return this.probing;
  }

  private async measure(): Promise<void> {
    // At least a second: a probe that times out on a busy server would move reads around for nothing.
    const bound = Math.max(1000, Math.min(this.probeIntervalMs, 2000));
    const ask = <R>(d: Driver, sql: string) => withTimeout(d.query<R>(sql, [], { kind: 'health' }), bound).then((r) => r.rows[0]!);
    // The primary first: a replica position read after it can only be newer, so no false lag.
    const primary = await ask<{ lsn: string }>(this.probeDrivers.primary, 'SELECT pg_current_wal_lsn()::text AS lsn').catch(() => null);
    const replica = await ask<{ standby: boolean; replayed: string | null }>(
      this.probeDrivers.replica,
      'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed',
    ).catch(() => null);
    let next: ReplicaStatus;
    if (replica === null) {
      this.lag.reset();
      next = { state: 'unhealthy', lagS: null };
    } else if (primary === null) {
      // The primary did not answer: the lag cannot be measured. Keep the last
      // verdict (a lagging replica stays bypassed, a slow primary probe does
      // not lift the bound); a replica that was down and answers again takes
      // the reads, as the only server that can answer them now.
      next = this.status.state === 'unhealthy' ? { state: 'healthy', lagS: null } : this.status;
    } else {
      // Not a standby (a second primary, a logical copy): nothing to lag behind by WAL.
      const lagS =
        replica.standby && replica.replayed !== null ? this.lag.observe(parseLsn(primary.lsn), parseLsn(replica.replayed), Date.now()) : 0;
      next = { state: lagS > this.maxLagS ? 'lagging' : 'healthy', lagS };
    }
    this.setStatus(next);
  }

  private setStatus(next: ReplicaStatus): void {
    replicaLag.set(next.lagS ?? -1);
    setComponentUp('replica', next.state !== 'unhealthy');
    if (next.state !== this.status.state) {
      const msg = next.state === 'healthy' ? 'read replica healthy: reads go to it' : `read replica ${next.state}: reads go to the primary`;
      (next.state === 'healthy' ? this.log?.info : this.log?.warn)?.call(this.log, { replica: next.state, lag_s: next.lagS, max_lag_s: this.maxLagS }, msg);
    }
    this.status = next;
  }

  /** The server a kind of statement runs on now (READ_ROUTES and the replica's health). */
  driverFor(kind: QueryKind): Driver {
    return this.pick({ kind });
  }

  /** The driver a read of this kind should use now, counting a bypass. */
  private pick(opts: QueryOptions): Driver {
    if (READ_ROUTES[opts.kind ?? 'other'] === 'primary') return this.primary;
    if (this.status.state === 'healthy') return this.replica;
    readFallbacks.inc({ reason: this.status.state === 'lagging' ? 'replica_lagging' : 'replica_down' });
    return this.primary;
  }

  async query<R>(sql: string, params: readonly unknown[] = [], opts: QueryOptions = {}): Promise<QueryResult<R>> {
    const target = this.pick(opts);
    if (target === this.primary) return this.primary.query<R>(sql, params, opts);
    try {
      return await this.replica.query<R>(sql, params, opts);
    } catch (err) {
      // Only failures that are the replica's fault move the read: a bad regex
      // or a statement timeout would fail on the primary just the same.
      if (!(err instanceof AppError) || err.code !== 'DATABASE_UNAVAILABLE' || opts.signal?.aborted) throw err;
      // Connection lost or a recovery conflict: stop using it until the probe says otherwise.
      this.setStatus({ state: 'unhealthy', lagS: null });
      readFallbacks.inc({ reason: 'replica_error' });
      return this.primary.query<R>(sql, params, opts);
    }
  }

  /**
   * Read-your-writes: runs read on this router, and when the answer is
   * missing (found() is false) and may come from a replica that has not
   * replayed a recent write yet, runs it again on the primary.
   */
  async readYourWrites<T>(read: (d: Driver) => Promise<T>, found: (value: T) => boolean): Promise<T> {
    const routedToReplica = this.status.state === 'healthy';
    const first = await read(this);
    if (found(first) || !routedToReplica) return first;
    readFallbacks.inc({ reason: 'read_your_writes' satisfies FallbackReason });
    return read(this.primary);
  }

  // Scripts and transactions change things: always the primary.
  exec(sql: string): Promise<void> {
    return this.primary.exec(sql);
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.primary.transaction(fn);
  }

  ping(timeoutMs?: number): Promise<void> {
    return this.primary.ping(timeoutMs);
  }

  poolStats(): PoolStats {
    return this.replica.poolStats();
  }

  /** Stops the probe and closes the replica's pool and the probe's connections; the primary belongs to its opener. */
  async close(): Promise<void> {
    const t = this.timer;
    this.timer = null;
    if (t) clearTimeout(t);
    await this.probing?.catch(() => {});
    await Promise.all([this.replica.close(), this.probeDrivers.primary.close(), this.probeDrivers.replica.close()]);
  }
}

export interface OpenReadRouterOptions {
  primary: Driver;
  primaryUrl: string;
  replicaUrl: string;
  pool: Config['db'];
  /** As the primary's (PostgresDriverOptions.preparedStatements). */
  preparedStatements?: boolean;
  /** As the primary's (PostgresDriverOptions.workMemKb). */
  workMemKb?: number;
  maxLagS: number;
  observe?: QueryObserver;
  probeIntervalMs?: number;
}

/** A router over an open primary: a replica pool like the primary's, and one probe connection per server. */
export function openReadRouter(o: OpenReadRouterOptions): ReadRouter {
  const replica = new PostgresDriver({
    url: o.replicaUrl,
    pool: o.pool,
    observe: o.observe,
    applicationName: 'tracelens-reader',
    preparedStatements: o.preparedStatements,
    workMemKb: o.workMemKb,
  });
  // Unobserved: the probe's statements are not API traffic. Short timeouts: a probe is bounded anyway.
  const probePool = { ...o.pool, poolMax: 1, poolMin: 0, statementTimeoutMs: 2000, connectTimeoutMs: 2000, maxWaiting: 1 };
  const probe = {
    primary: new PostgresDriver({ url: o.primaryUrl, pool: probePool, applicationName: 'tracelens-replica-probe' }),
    replica: new PostgresDriver({ url: o.replicaUrl, pool: probePool, applicationName: 'tracelens-replica-probe' }),
  };
  return new ReadRouter({ primary: o.primary, replica, probe, maxLagS: o.maxLagS, probeIntervalMs: o.probeIntervalMs });
}

/** Read-your-writes on any reader: a plain driver (no replica) is already the primary. */
export function readYourWrites<T>(reader: Driver, read: (d: Driver) => Promise<T>, found: (value: T) => boolean): Promise<T> {
  return reader instanceof ReadRouter ? reader.readYourWrites(read, found) : read(reader);
}

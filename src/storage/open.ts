// Chooses the engine from the config: DATABASE_URL means PostgreSQL, its
// absence the embedded engine in DATA_DIR. DATABASE_READ_URL adds a second
// pool that serves the read endpoints (a replica); writes and migrations
// always go to the primary, and a ReadRouter decides per statement.
import type { Config } from '../config.js';
import { openReadRouter } from '../replica/read-router.js';
import type { Driver, QueryObserver } from './driver.js';
import { EmbeddedDriver } from './embedded.js';
import { PostgresDriver } from './postgres.js';

export interface Drivers {
  primary: Driver;
  /** The primary itself when no replica is configured, else a ReadRouter (call start()). */
  reader: Driver;
}

export async function openDriver(config: Config, observe?: QueryObserver): Promise<Driver> {
  if (config.databaseUrl) {
    return new PostgresDriver({
      url: config.databaseUrl,
      pool: config.db,
      observe,
      preparedStatements: config.dbPreparedStatements,
      workMemKb: config.dbWorkMemKb,
      deferredRollups: config.rollupMode === 'deferred',
    });
  }
  return EmbeddedDriver.open({ dataDir: config.dataDir, observe, deferredRollups: config.rollupMode === 'deferred' });
}

export async function openDrivers(config: Config, observe?: QueryObserver): Promise<Drivers> {
  const primary = await openDriver(config, observe);
  if (!config.databaseUrl || !config.databaseReadUrl) return { primary, reader: primary };
  const reader = openReadRouter({
    primary,
    primaryUrl: config.databaseUrl,
    replicaUrl: config.databaseReadUrl,
    pool: config.db,
    preparedStatements: config.dbPreparedStatements,
    workMemKb: config.dbWorkMemKb,
    maxLagS: config.readMaxLagS,
    observe,
  });
  return { primary, reader };
}

/**
 * The connection of operator work (migrate, seed, doctor, maintain, and the
 * migrations the server runs at start): the configured database with a small
 * pool and its own statement timeout (0 = none), because DB_STATEMENT_TIMEOUT_MS
 * is tuned for API requests, not for building an index or loading a million
 * rows. With the embedded engine (one connection per data directory) pass the
 * open primary as `shared` and it is returned as is.
 */
export async function openAdminDriver(config: Config, statementTimeoutMs = 0, shared?: Driver): Promise<Driver> {
  if (!config.databaseUrl && shared) return shared;
  // Operator work writes spans inline (a seed's rollups are complete when it returns).
  return openDriver({ ...config, rollupMode: 'inline', db: { ...config.db, poolMax: 2, poolMin: 0, statementTimeoutMs } });
}

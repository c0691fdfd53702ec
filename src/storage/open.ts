// Chooses the engine from the config: DATABASE_URL means PostgreSQL, its
// absence the embedded engine in DATA_DIR. DATABASE_READ_URL adds a second
// pool that serves the read endpoints (a replica); writes and migrations
// always go to the primary.
import type { Config } from '../config.js';
import type { Driver, QueryObserver } from './driver.js';
import { EmbeddedDriver } from './embedded.js';
import { PostgresDriver } from './postgres.js';

export interface Drivers {
  primary: Driver;
  /** The primary itself when no replica is configured. */
  reader: Driver;
}

export async function openDriver(config: Config, observe?: QueryObserver): Promise<Driver> {
  if (config.databaseUrl) {
    return new PostgresDriver({ url: config.databaseUrl, pool: config.db, observe });
  }
  return EmbeddedDriver.open({ dataDir: config.dataDir, observe });
}

export async function openDrivers(config: Config, observe?: QueryObserver): Promise<Drivers> {
  const primary = await openDriver(config, observe);
  const reader =
    config.databaseUrl && config.databaseReadUrl
      ? new PostgresDriver({ url: config.databaseReadUrl, pool: config.db, observe, applicationName: 'tracelens-reader' })
      : primary;
  return { primary, reader };
}

// Chooses the engine from the config: DATABASE_URL means PostgreSQL, its
// absence the embedded engine in DATA_DIR.
import type { Config } from '../config.js';
import type { Driver, QueryObserver } from './driver.js';
import { EmbeddedDriver } from './embedded.js';
import { PostgresDriver } from './postgres.js';

export async function openDriver(config: Config, observe?: QueryObserver): Promise<Driver> {
  if (config.databaseUrl) {
    return new PostgresDriver({ url: config.databaseUrl, pool: config.db, observe });
  }
  return EmbeddedDriver.open({ dataDir: config.dataDir, observe });
}

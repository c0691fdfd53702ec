// The database connection of the operator commands (doctor, maintain): the
// configured database with a small pool and their own statement timeout,
// because DB_STATEMENT_TIMEOUT_MS is tuned for API requests, not for a VACUUM
// of a large table or a scan over all of it.
import type { Config } from '../config.js';
import type { Driver } from '../storage/driver.js';
import { openDriver } from '../storage/open.js';

/** statementTimeoutMs: 0 = unbounded. */
export function openAdminDriver(config: Config, statementTimeoutMs: number): Promise<Driver> {
  return openDriver({ ...config, db: { ...config.db, poolMax: 2, poolMin: 0, statementTimeoutMs } });
}

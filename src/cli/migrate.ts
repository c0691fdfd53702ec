// tracelens migrate: applies pending schema migrations to the configured database.
import { loadConfig } from '../config.js';
import { migrate } from '../storage/migrate.js';
import { openAdminDriver } from '../storage/open.js';

export async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  // No statement timeout: building an index on a large table takes minutes.
  const driver = await openAdminDriver(config);
  try {
    const res = await migrate(driver);
    console.log(
      res.applied.length ? `applied: ${res.applied.join(', ')}` : `up to date (${res.alreadyApplied.length} migrations applied earlier)`,
    );
  } finally {
    await driver.close();
  }
}

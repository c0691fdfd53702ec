// tracelens serve: migrate, build the app, listen, and shut down cleanly on SIGTERM.
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { migrate } from '../storage/migrate.js';
import { openDriver } from '../storage/open.js';

export async function serveCommand(): Promise<void> {
  const config = loadConfig();
  const driver = await openDriver(config);
  await migrate(driver);
  const app = await buildApp({ config, driver });
  await app.listen({ port: config.port, host: config.host });
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await driver.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

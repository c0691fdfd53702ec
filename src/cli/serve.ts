// tracelens serve: migrate, build the app, listen, and shut down cleanly on SIGTERM.
import { buildApp } from '../app.js';
import { randomBytes } from 'node:crypto';
import { createVerifier } from '../auth/verifier.js';
import { mintToken } from '../auth/tokens.js';
import { loadConfig } from '../config.js';
import { migrate } from '../storage/migrate.js';
import { openDriver } from '../storage/open.js';
import { loadDemoDataIfEmpty } from '../seed/demo.js';

export async function serveCommand(): Promise<void> {
  const config = loadConfig();
  const driver = await openDriver(config);
  await migrate(driver);
  const demo = await loadDemoDataIfEmpty(driver, config);
  // Development mode: embedded engine and no key configured. A fresh secret per
  // run means tokens from an earlier run stop working, which is what we want
  // for a throw-away local setup.
  const devSecret = config.jwt.secret === null && config.databaseUrl === null ? randomBytes(48).toString('base64url') : undefined;
  const app = await buildApp({ config, driver, verifier: createVerifier(config, devSecret) });
  if (demo > 0) app.log.info({ spans: demo }, 'empty database: loaded the demo data set (DEMO_DATA=false turns this off)');
  await app.listen({ port: config.port, host: config.host });
  if (devSecret) {
    const token = await mintToken(devSecret, { sub: 'dev-admin', role: 'admin', ttlS: 12 * 3600 });
    const base = `http://localhost:${config.port}`;
    process.stdout.write(
      `\ntracelens is running on ${base} (embedded PostgreSQL in ${config.dataDir}).\n` +
        `Development mode: a 12-hour admin token was minted for you. Try:\n\n` +
        `  curl -H 'Authorization: Bearer ${token}' '${base}/api/v1/traces?limit=5'\n\n` +
        `API docs: ${base}/docs\n\n`,
    );
  }
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await driver.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

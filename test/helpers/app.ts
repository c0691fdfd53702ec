// buildTestApp(): the real app over a real backend, silent, with a known secret.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { mintToken, type MintOptions } from '../../src/auth/tokens.js';
import { createVerifier } from '../../src/auth/verifier.js';
import { loadConfig } from '../../src/config.js';
import type { Driver } from '../../src/storage/driver.js';
import { guardDeclaredErrors } from './declared-errors.js';

export const TEST_SECRET = 'tracelens-test-secret-0123456789-abcdefghij';

/**
 * The result cache is off unless a test asks for it (CACHE_ENABLED: 'true'):
 * most suites change data between identical reads and must see the change.
 */
export async function buildTestApp(driver: Driver, env: Record<string, string> = {}, reader?: Driver): Promise<FastifyInstance> {
  // Event-loop shedding off unless a test asks for it: on a busy 2-core CI box
  // the loop can lag past the threshold and shed requests that tests expect.
  const config = loadConfig({
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    CACHE_ENABLED: 'false',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const app = await buildApp({ config, driver, reader, verifier: createVerifier(config), logger: env.LOG_LEVEL === 'error' ? { level: 'error' } : false });
  // Any test that provokes an error code its route does not declare fails (a 500 naming it).
  guardDeclaredErrors(app);
  await app.ready();
  return app;
}

/** A bearer header for the given identity, signed with TEST_SECRET. */
export async function bearer(opts: Partial<MintOptions> & Pick<MintOptions, 'role'>): Promise<Record<string, string>> {
  const token = await mintToken(TEST_SECRET, { sub: `user-${opts.role}`, ...opts });
  return { authorization: `Bearer ${token}` };
}

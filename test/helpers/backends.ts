// Every storage test runs against both engines: a throw-away database on the
// local PostgreSQL (created and dropped per test file, so runs never collide)
// and an in-memory PGlite.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Config } from '../../src/config.js';
import type { Driver, QueryObserver } from '../../src/storage/driver.js';
import { EmbeddedDriver } from '../../src/storage/embedded.js';
import { migrate } from '../../src/storage/migrate.js';
import { PostgresDriver } from '../../src/storage/postgres.js';

export type BackendName = 'postgres' | 'embedded';
export const BACKENDS: readonly BackendName[] = ['postgres', 'embedded'];

/** Where the test databases are created; the server the README's test command expects. */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const TEST_POOL: Config['db'] = {
  poolMax: 10,
  poolMin: 0,
  acquireTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
  maxLifetimeS: 0,
  statementTimeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  maxWaiting: 100,
};

export interface Backend {
  name: BackendName;
  driver: Driver;
  /** Connection string of the test database (postgres only). */
  url: string | null;
  close(): Promise<void>;
}

/** Creates an empty PostgreSQL database and returns its URL and a dropper. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tracelens_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * A fresh database and a driver with exactly one connection (every query runs
 * on the same backend session unless the pool closes it), opened before and
 * closed after the calling describe block's tests.
 */
export function useSingleConnectionDriver(): { readonly driver: PostgresDriver; readonly url: string } {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let driver: PostgresDriver | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    driver = new PostgresDriver({ url: db.url, pool: { ...TEST_POOL, poolMax: 1, poolMin: 0 } });
  });
  afterAll(async () => {
    await driver?.close();
    await db?.drop();
  });
  return {
    get driver() {
      if (!driver) throw new Error('the driver opens in beforeAll');
      return driver;
    },
    get url() {
      if (!db) throw new Error('the database opens in beforeAll');
      return db.url;
    },
  };
}

export interface BackendOptions {
  migrate?: boolean;
  /** The drivers' query observer (metrics, slow-query log). */
  observe?: QueryObserver;
  /** Spans written by the driver leave their rollup deltas pending for the fold (ROLLUP_MODE=deferred). */
  deferredRollups?: boolean;
}

export async function openBackend(name: BackendName, opts: BackendOptions = {}): Promise<Backend> {
  let backend: Backend;
  if (name === 'postgres') {
    const db = await createTestDatabase();
    const driver = new PostgresDriver({ url: db.url, pool: TEST_POOL, observe: opts.observe, deferredRollups: opts.deferredRollups });
    backend = {
      name,
      driver,
      url: db.url,
      async close() {
        await driver.close();
        await db.drop();
      },
    };
  } else {
    const driver = await EmbeddedDriver.open({ dataDir: null, observe: opts.observe, deferredRollups: opts.deferredRollups });
    backend = { name, driver, url: null, close: () => driver.close() };
  }
  if (opts.migrate !== false) await migrate(backend.driver);
  return backend;
}

/**
 * describe() once per engine. The callback gets a getter because the backend
 * opens in beforeAll; use it inside tests and hooks.
 */
export function describeEachBackend(title: string, fn: (backend: () => Backend) => void, opts: BackendOptions = {}) {
  for (const name of BACKENDS) {
    describe(`${title} [${name}]`, () => {
      let backend: Backend | undefined;
      beforeAll(async () => {
        backend = await openBackend(name, opts);
      });
      afterAll(async () => {
        await backend?.close();
      });
      fn(() => {
        if (!backend) throw new Error('backend not open yet');
        return backend;
      });
    });
  }
}

/** Removes every span; tests that need a clean table call it in beforeEach. */
export async function truncateSpans(driver: Driver): Promise<void> {
  await driver.query('TRUNCATE llm_traces RESTART IDENTITY');
}

// The small demo data set a first run starts with, so the API has something
// to show. Development only: loaded by `tracelens serve` into an empty
// embedded database when DEMO_DATA is on, and never into a database named by
// DATABASE_URL (that database holds someone's real spans, and 2,000 synthetic
// ones mixed in cannot be told apart later). `tracelens seed --demo` loads it
// into any database on purpose.
import type { Config } from '../config.js';
import type { Driver } from '../storage/driver.js';
import { seedDatabase } from './seed-database.js';

export const DEMO = { rows: 2000, projects: 3, days: 7, seed: 20_260_101 } as const;

/** Whether `serve` may load the demo data set: embedded engine and DEMO_DATA on. */
export function demoDataAllowed(config: Pick<Config, 'demoData' | 'databaseUrl'>): boolean {
  return config.demoData && config.databaseUrl === null;
}

/** Returns how many demo spans were loaded (0 when not allowed or not empty). */
export async function loadDemoDataIfEmpty(driver: Driver, config: Pick<Config, 'demoData' | 'databaseUrl'>): Promise<number> {
  if (!demoDataAllowed(config)) return 0;
  const any = await driver.query('SELECT 1 FROM llm_traces LIMIT 1', [], { kind: 'admin' });
  if (any.rows.length > 0) return 0;
  return loadDemoData(driver);
}

/** Loads the demo set unconditionally (`tracelens seed --demo`); returns the spans inserted. */
export async function loadDemoData(driver: Driver): Promise<number> {
  // The insert path (ON CONFLICT DO NOTHING): two instances starting at once
  // both see an empty table, and the fixed seed makes their spans identical.
  const res = await seedDatabase(driver, { ...DEMO, end: new Date(), batch: 500, insert: true });
  return res.inserted;
}

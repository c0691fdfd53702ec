// The small demo data set a first run starts with, so the API has something
// to show. Loaded only into an empty table and only when DEMO_DATA is on.
import type { Config } from '../config.js';
import type { Driver } from '../storage/driver.js';
import { seedDatabase } from './seed-database.js';

export const DEMO = { rows: 2000, projects: 3, days: 7, seed: 20_260_101 } as const;

/** Returns how many demo spans were loaded (0 when disabled or not empty). */
export async function loadDemoDataIfEmpty(driver: Driver, config: Pick<Config, 'demoData'>): Promise<number> {
  if (!config.demoData) return 0;
  const any = await driver.query('SELECT 1 FROM llm_traces LIMIT 1', [], { kind: 'admin' });
  if (any.rows.length > 0) return 0;
  // The insert path (ON CONFLICT DO NOTHING): two instances starting at once
  // both see an empty table, and the fixed seed makes their spans identical.
  const res = await seedDatabase(driver, { ...DEMO, end: new Date(), batch: 500, insert: true });
  return res.inserted;
}

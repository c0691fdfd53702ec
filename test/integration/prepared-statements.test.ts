// Page statements planned once per connection (src/storage/prepared-statements.ts):
// a generic-plan statement runs as a named statement under
// plan_cache_mode = force_generic_plan, every other statement on the same
// connection runs in the default mode again, and a connection never holds
// more than MAX_PREPARED_PER_CONNECTION statements. A serial statement
// (QueryOptions.serial) runs without parallel workers, and the next statement
// that is not serial has them again.
import { describe, expect, it } from 'vitest';
import { MAX_PREPARED_PER_CONNECTION } from '../../src/storage/prepared-statements.js';
import { PostgresDriver } from '../../src/storage/postgres.js';
import { TEST_POOL, useSingleConnectionDriver } from '../helpers/backends.js';

describe('prepared page statements [postgres]', () => {
  // One connection: every statement below runs on the same session.
  const session = useSingleConnectionDriver();

  const prepared = async () =>
    (await session.driver.query<{ name: string; generic_plans: number; custom_plans: number }>(
      'SELECT name, generic_plans::int, custom_plans::int FROM pg_prepared_statements ORDER BY name',
    )).rows;

  it('plans a generic-plan statement once and leaves other statements in the default mode', async () => {
    const sql = 'SELECT g FROM generate_series(1, 100) g WHERE g > $1::int ORDER BY g LIMIT $2::int';
    for (let i = 0; i < 8; i++) {
      const res = await session.driver.query<{ g: number }>(sql, [i, 3], { genericPlan: true });
      expect(res.rows.map((r) => r.g)).toEqual([i + 1, i + 2, i + 3]);
    }
    const rows = await prepared();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ generic_plans: 8, custom_plans: 0 });
    // The next statement on the connection is back in the default mode.
    const mode = await session.driver.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode');
    expect(mode.rows[0]!.plan_cache_mode).toBe('auto');
    await session.driver.query('SELECT 1', [], { genericPlan: true });
    await session.driver.transaction(async (tx) => {
      const m = await tx.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode');
      expect(m.rows[0]!.plan_cache_mode).toBe('auto');
    });
  });

  it('keeps at most MAX_PREPARED_PER_CONNECTION statements on a connection', async () => {
    for (let i = 0; i < MAX_PREPARED_PER_CONNECTION + 10; i++) {
      const res = await session.driver.query<{ v: number }>(`SELECT $1::int + ${i} AS v`, [1], { genericPlan: true });
      expect(res.rows[0]!.v).toBe(1 + i);
    }
    const n = (await prepared()).length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(MAX_PREPARED_PER_CONNECTION);
    // Statements dropped by the bound are prepared again when they come back.
    const again = await session.driver.query<{ v: number }>('SELECT $1::int + 0 AS v', [5], { genericPlan: true });
    expect(again.rows[0]!.v).toBe(5);
  });

  it('runs a serial statement without parallel workers and gives the next statement the server default back', async () => {
    const workers = async (opts: { serial?: boolean; genericPlan?: boolean } = {}) =>
      (await session.driver.query<{ w: string }>(`SELECT current_setting('max_parallel_workers_per_gather') AS w`, [], opts)).rows[0]!.w;
    const mode = async () => (await session.driver.query<{ m: string }>(`SELECT current_setting('plan_cache_mode') AS m`)).rows[0]!.m;
    const serverDefault = await workers();
    expect(serverDefault).not.toBe('0');
    expect(await workers({ serial: true })).toBe('0');
    expect(await workers({ serial: true })).toBe('0');
    expect(await workers()).toBe(serverDefault);
    // Both settings at once, and both back.
    expect(await workers({ serial: true, genericPlan: true })).toBe('0');
    expect(await mode()).toBe('auto');
    expect(await workers()).toBe(serverDefault);
    await session.driver.query('SELECT 1', [], { serial: true });
    await session.driver.transaction(async (tx) => {
      const w = await tx.query<{ w: string }>(`SELECT current_setting('max_parallel_workers_per_gather') AS w`);
      expect(w.rows[0]!.w).toBe(serverDefault);
    });
  });

  it('runs everything unnamed in the default mode when prepared statements are off (transaction-mode poolers)', async () => {
    const plain = new PostgresDriver({ url: session.url, pool: { ...TEST_POOL, poolMax: 1, poolMin: 0 }, preparedStatements: false });
    try {
      await plain.query('SELECT $1::int AS v', [1], { genericPlan: true });
      const mode = await plain.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode', [], { genericPlan: true });
      expect(mode.rows[0]!.plan_cache_mode).toBe('auto');
      // No session setting either: the pooler would hand it to another client's transaction.
      const workers = await plain.query<{ w: string }>(`SELECT current_setting('max_parallel_workers_per_gather') AS w`, [], { serial: true });
      expect(workers.rows[0]!.w).not.toBe('0');
      const n = await plain.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements');
      expect(n.rows[0]!.n).toBe(0);
    } finally {
      await plain.close();
    }
  });
});

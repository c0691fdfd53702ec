// Applies pending migrations once, tracked in tracelens_migrations. Safe to run
// twice or from several processes at once: a transaction-scoped advisory lock
// serializes runners, and each migration commits with its tracking row.
import type { Driver } from './driver.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

// Arbitrary constant identifying "tracelens schema migration" among advisory locks.
const MIGRATION_LOCK_KEY = 727_364_501;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function migrate(driver: Driver, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  const applied: string[] = [];
  let alreadyApplied: string[] | null = null;
  const prepared = new Set<string>();
  // One transaction for every pending migration, except that one with online
  // prepare steps ends the transaction before it: the steps run outside any
  // transaction, then the next transaction starts with that migration.
  for (;;) {
    const pause = await driver.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY], { kind: 'migrate' });
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS tracelens_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = await tx.query<{ id: string }>('SELECT id FROM tracelens_migrations', [], { kind: 'migrate' });
      const have = new Set(done.rows.map((r) => r.id));
      alreadyApplied ??= [...have].sort();
      for (const m of migrations) {
        if (have.has(m.id)) continue;
        if (m.prepare && !prepared.has(m.id)) return m;
        await tx.exec(m.sql);
        await tx.query('INSERT INTO tracelens_migrations (id) VALUES ($1)', [m.id], { kind: 'migrate' });
        applied.push(m.id);
      }
      return null;
    });
    if (pause === null) return { applied, alreadyApplied: alreadyApplied ?? [] };
    for (const sql of pause.prepare ?? []) await driver.exec(sql);
    prepared.add(pause.id);
  }
}

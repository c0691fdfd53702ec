// tracelens maintain: runs the doctor's safe fixes (REINDEX CONCURRENTLY of
// invalid indexes, VACUUM (ANALYZE)) and prints each statement it ran.
import { exportDir, loadConfig } from '../config.js';
import { rebuildRollups } from '../analytics/rollup-maintenance.js';
import { runMaintenance } from '../doctor/maintain.js';
import { expireExports } from '../export/expiry.js';
import { FileStore } from '../export/file-store.js';
import { openAdminDriver } from '../storage/open.js';
import { partitionUpkeep, PARTITION_AHEAD_DAYS } from '../storage/partitions.js';
import { RollupFolder } from '../storage/rollup-folder.js';
import { parseFlags } from './args.js';

const HELP = `usage: tracelens maintain [--rollups]

First the partitions of llm_traces: creates the UTC-day partitions up to
${PARTITION_AHEAD_DAYS} days ahead, moves spans out of the default partition into their
day's partition, and drops whole partitions older than RETENTION_DAYS (0 = keep
forever) and rollup buckets past their own horizons.
Then folds the rollup deltas a server in ROLLUP_MODE=deferred left pending.
Then runs the safe fixes on the configured database, without blocking reads or writes:
REINDEX INDEX CONCURRENTLY of every invalid index of llm_traces (dropping the
leftovers of an interrupted concurrent rebuild first), then VACUUM (ANALYZE) llm_traces.
Then deletes export files past EXPORT_TTL (and files no export job keeps) from EXPORT_DIR.

  --rollups   instead, rebuild the analytics rollups from every span (backfill or
              repair; ingest waits for it, reads do not)
`;

export async function maintainCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, { rollups: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (flags.help) {
    process.stdout.write(HELP);
    return;
  }
  const config = loadConfig();
  // No statement timeout: a rebuild cancelled halfway leaves another invalid index behind.
  const driver = await openAdminDriver(config, 0);
  try {
    if (flags.rollups) {
      const res = await rebuildRollups(driver);
      process.stdout.write(`rebuilt rollups in ${(res.ms / 1000).toFixed(1)} s: ${Object.entries(res.rows).map(([t, n]) => `${t} ${n} rows`).join(', ')}\n`);
      return;
    }
    const upkeep = await partitionUpkeep(driver, config.retentionDays);
    process.stdout.write(
      upkeep.ran
        ? `partitions: ${upkeep.created} created, ${upkeep.adopted} days moved out of the default partition, ${upkeep.dropped.length} dropped past RETENTION_DAYS=${config.retentionDays}` +
            `${upkeep.dropped.length ? ` (${upkeep.dropped.join(', ')})` : ''}; rollup rows past their horizon: ` +
            `${Object.entries(upkeep.rollupRowsDeleted).map(([t, n]) => `${t} ${n}`).join(', ') || 'none (spans kept forever)'}\n`
        : 'partitions: another instance is doing the upkeep now; skipped\n',
    );
    // Deltas a deferred-mode server left pending (none otherwise).
    const fold = await new RollupFolder(driver, 0).foldOnce();
    process.stdout.write(fold.ran ? `rollups: ${fold.rows} pending span changes folded\n` : 'rollups: another instance is folding now; skipped\n');
    const steps = await runMaintenance(driver, (s) => process.stdout.write(`${s.sql};  -- ${s.why} (${(s.ms / 1000).toFixed(1)} s)\n`));
    const expiry = await expireExports(driver, new FileStore(exportDir(config)));
    process.stdout.write(`exports: ${expiry.expiredJobs} jobs expired, ${expiry.deletedFiles.length} files deleted\n`);
    process.stdout.write(`done: ${steps.length} statements\n`);
  } finally {
    await driver.close();
  }
}

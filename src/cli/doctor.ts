// tracelens doctor [--json] [--verbose]: runs the database checks against the
// configured database and prints pass / warn / fail with the fix for each.
// Exit code 1 when any check fails.
import { loadConfig } from '../config.js';
import { formatReport } from '../doctor/format-report.js';
import { runDoctor } from '../doctor/run-doctor.js';
import { openAdminDriver } from '../storage/open.js';
import { parseFlags } from './args.js';

const HELP = `usage: tracelens doctor [--json] [--verbose]

Checks the configured database (DATABASE_URL, or the embedded engine in DATA_DIR):
expected indexes present and valid, query plans of the benchmark shapes, statistics
and vacuum state, empty search vectors, unused indexes, sizes, buffer cache hit
ratio and the slowest statements. Read-only. Exit code 1 when a check fails.

  --json       print the report as JSON
  --verbose    show the plan of passing query shapes too
`;

/** Bounds every doctor statement (one of them reads the whole table). */
const DOCTOR_STATEMENT_TIMEOUT_MS = 300_000;

export async function doctorCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    process.stdout.write(HELP);
    return;
  }
  const config = loadConfig();
  const driver = await openAdminDriver(config, DOCTOR_STATEMENT_TIMEOUT_MS);
  try {
    const report = await runDoctor(driver, { slowQueryMs: config.slowQueryMs });
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, { verbose: flags.verbose === true }));
    if (!report.ok) process.exitCode = 1;
  } finally {
    await driver.close();
  }
}

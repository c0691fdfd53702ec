// tracelens seed: fills the configured database with realistic synthetic spans.
import { loadConfig } from '../config.js';
import { migrate } from '../storage/migrate.js';
import { openAdminDriver } from '../storage/open.js';
import { SeedConflictError, seedDatabase } from '../seed/seed-database.js';
import { DEMO, loadDemoData } from '../seed/demo.js';
import { parseFlags, UsageError } from './args.js';

const HELP = `usage: tracelens seed --rows N [--projects K] [--days D] [--seed S] [--batch B] [--jobs J] [--end ISO] [--insert]
       tracelens seed --demo

  --demo         load the 2,000-span demo data set (what a first embedded run
                 starts with) into the configured database, empty or not

  --rows N       spans to write (required)
  --projects K   projects to spread them over (default 3)
  --days D       days of history ending at --end (default 30)
  --seed S       PRNG seed; the same seed writes the same spans (default 1)
  --batch B      rows per COPY chunk / INSERT statement (default 5000)
  --jobs J       parallel COPY streams on PostgreSQL (default 2); each commits on its own
  --end ISO      end of the time range (default now); fix it to reproduce timestamps too
  --insert       use multi-row INSERT ... ON CONFLICT DO NOTHING even on PostgreSQL
                 (slower, but skips spans that already exist instead of failing)
`;

function positiveInt(name: string, raw: string | undefined, def: number, max: number): number {
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new UsageError(`--${name} must be an integer between 1 and ${max}\n\n${HELP}`);
  return Number(raw);
}

function progressLine(done: number, total: number, startedMs: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const secs = (performance.now() - startedMs) / 1000;
  const rate = secs > 0 ? Math.round(done / secs) : 0;
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${Math.floor((done / total) * 100)}% ${rate.toLocaleString('en-US')} rows/s `;
}

export async function seedCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    rows: { type: 'string' },
    projects: { type: 'string' },
    days: { type: 'string' },
    seed: { type: 'string' },
    batch: { type: 'string' },
    jobs: { type: 'string' },
    end: { type: 'string' },
    insert: { type: 'boolean' },
    demo: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    process.stdout.write(HELP);
    return;
  }
  if (flags.demo === true) {
    if (flags.rows !== undefined) throw new UsageError(`--demo loads a fixed data set; it takes no --rows\n\n${HELP}`);
    await seedDemo();
    return;
  }
  if (flags.rows === undefined) throw new UsageError(`--rows is required\n\n${HELP}`);
  const end = flags.end === undefined ? new Date() : new Date(flags.end);
  if (Number.isNaN(end.getTime())) throw new UsageError(`--end must be an ISO 8601 timestamp\n\n${HELP}`);
  const opts = {
    rows: positiveInt('rows', flags.rows, 0, 100_000_000),
    projects: positiveInt('projects', flags.projects, 3, 1000),
    days: positiveInt('days', flags.days, 30, 3650),
    seed: positiveInt('seed', flags.seed, 1, 2 ** 31),
    batch: positiveInt('batch', flags.batch, 5000, 100_000),
    jobs: positiveInt('jobs', flags.jobs, 2, 16),
    end,
    insert: flags.insert === true,
  };

  const config = loadConfig();
  // No statement timeout: one COPY stream of a million rows runs for minutes.
  const driver = await openAdminDriver(config);
  try {
    await migrate(driver);
    const started = performance.now();
    const tty = process.stderr.isTTY;
    let lastDraw = 0;
    const res = await seedDatabase(driver, opts, (done) => {
      // A redraw per ~100 ms on a terminal; a line per 10 % otherwise (logs, CI).
      const now = performance.now();
      if (tty ? now - lastDraw > 100 || done === opts.rows : Math.floor((done * 10) / opts.rows) > Math.floor(((done - opts.batch) * 10) / opts.rows)) {
        lastDraw = now;
        process.stderr.write(progressLine(done, opts.rows, started) + (tty ? '' : '\n'));
      }
    });
    if (tty) process.stderr.write('\n');
    const secs = res.ms / 1000;
    process.stdout.write(
      `seeded ${res.inserted.toLocaleString('en-US')} new of ${res.rows.toLocaleString('en-US')} spans (${res.method}, ${opts.projects} projects, ${opts.days} days, seed ${opts.seed}) ` +
        `in ${secs.toFixed(1)} s: ${Math.round(res.rows / secs).toLocaleString('en-US')} rows/s, ANALYZE included\n`,
    );
  } catch (err) {
    if (err instanceof SeedConflictError) throw new UsageError(`seed: ${err.message}`);
    throw err;
  } finally {
    await driver.close();
  }
}

/** The explicit way to put the demo data set into a DATABASE_URL database (serve never does). */
async function seedDemo(): Promise<void> {
  const driver = await openAdminDriver(loadConfig());
  try {
    await migrate(driver);
    const inserted = await loadDemoData(driver);
    process.stdout.write(`seeded ${inserted.toLocaleString('en-US')} new of ${DEMO.rows.toLocaleString('en-US')} demo spans (${DEMO.projects} projects, ${DEMO.days} days)\n`);
  } finally {
    await driver.close();
  }
}

// tracelens <command>: one file per command, dispatched here.
import { ConfigError } from '../config.js';
import { UsageError } from './args.js';

const USAGE = `usage: tracelens <command> [options]

commands:
  serve     run the HTTP API (migrates first) [--workers N]
  migrate   apply pending schema migrations
  token     print a signed token: --sub U --role R --projects p1,p2 [--org O] [--permissions a,b] [--ttl 1h]
  seed      write realistic synthetic spans (tracelens seed --help)
  doctor    check the database: indexes, query plans, statistics, vacuum [--json]
  maintain  run the safe database fixes: REINDEX CONCURRENTLY invalid indexes, VACUUM (ANALYZE);
            --rollups rebuilds the analytics rollups from every span
  help      this text
`;

type Command = (argv: string[]) => Promise<void>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  migrate: async () => (await import('./migrate.js')).migrateCommand,
  token: async () => (await import('./token.js')).tokenCommand,
  seed: async () => (await import('./seed.js')).seedCommand,
  doctor: async () => (await import('./doctor.js')).doctorCommand,
  maintain: async () => (await import('./maintain.js')).maintainCommand,
};

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`unknown command '${name}'\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  try {
    await (await load())(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`configuration error: ${err.message}\n`);
      process.exitCode = 78; // EX_CONFIG
    } else if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  }
}

// A private PostgreSQL primary and a streaming replica of it, for the read
// replica tests: initdb into a temp directory, pg_basebackup -R from it, both
// on free ports. The shared test server is not used because its pg_hba has no
// replication entry and a test must not reconfigure it. Running as root,
// PostgreSQL refuses to start, so the servers then run as the `postgres` OS
// user (runuser) in directories owned by it.
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** Directory of initdb/pg_ctl/pg_basebackup: pg_config's, else the newest Debian layout. */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  try {
    // Debian's /usr/bin/pg_config reports the newest installed server's bin directory.
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    /* not installed: try the Debian layout */
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(join(debian, v, 'bin'));
  }
  const found = candidates.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_basebackup')));
  if (!found) throw new Error(`initdb and pg_basebackup not found (looked in: ${candidates.join(', ')}); set PG_BINDIR`);
  return found;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** Root cannot run postgres: find the postgres user to run it as. */
async function serverUser(): Promise<OsUser | null> {
  if (process.getuid?.() !== 0) return null;
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: g } = await run('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
}

export class ReplicaCluster {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly user: OsUser | null,
    readonly primaryPort: number,
    readonly replicaPort: number,
  ) {}

  get primaryUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.primaryPort}/postgres`;
  }

  get replicaUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.replicaPort}/postgres`;
  }

  /** Command line of a PostgreSQL binary, run as the server's user. */
  private command(tool: string, args: string[]): [string, string[]] {
    const exe = join(this.bin, tool);
    return this.user ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  }

  private get primaryDir(): string {
    return join(this.dir, 'primary');
  }

  private get replicaDir(): string {
    return join(this.dir, 'replica');
  }

  /** Runs a PostgreSQL binary as the server's user. */
  private async pg(tool: string, args: string[]): Promise<string> {
    const [cmd, argv] = this.command(tool, args);
    try {
      const { stdout } = await run(cmd, argv, { timeout: 60_000 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  }

  /** initdb + start a primary, pg_basebackup -R a replica from it and start that; ready to query. */
  static async start(): Promise<ReplicaCluster> {
    const user = await serverUser();
    const dir = mkdtempSync(join(tmpdir(), 'tracelens-replica-'));
    if (user) chownSync(dir, user.uid, user.gid);
    const cluster = new ReplicaCluster(postgresBinDir(), dir, user, await freePort(), await freePort());
    // A test runner that dies (timeout, crash) must not leave two servers behind.
    const onExit = () => cluster.destroySync();
    process.once('exit', onExit);
    cluster.forgetExitHook = () => process.off('exit', onExit);
    try {
      await cluster.initPrimary();
      await cluster.pg('pg_basebackup', [
        '-h', '127.0.0.1', '-p', String(cluster.primaryPort), '-U', 'postgres',
        '-D', cluster.replicaDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync',
      ]);
      await cluster.startReplica();
      return cluster;
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
  }

  private async initPrimary(): Promise<void> {
    // --auth=trust also writes trusted `replication` lines for local and 127.0.0.1.
    await this.pg('initdb', ['-D', this.primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // Small and fast: a test cluster needs no durability.
    const conf = [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${this.dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'shared_buffers = 32MB',
      'max_connections = 60',
      'wal_level = replica',
      'max_wal_senders = 4',
      // The replica must not cancel a read because replay wants its rows.
      'hot_standby_feedback = on',
      'max_standby_streaming_delay = -1',
      "log_min_messages = 'warning'",
    ].join('\n');
    appendFileSync(join(this.primaryDir, 'postgresql.conf'), `\n${conf}\n`);
    await this.pg('pg_ctl', ['start', '-w', '-t', '60', '-D', this.primaryDir, '-l', join(this.dir, 'primary.log'), '-o', `-p ${this.primaryPort}`]);
  }

  /** Starts (or restarts) the replica and waits until it accepts reads. */
  async startReplica(): Promise<void> {
    await this.pg('pg_ctl', ['start', '-w', '-t', '60', '-D', this.replicaDir, '-l', join(this.dir, 'replica.log'), '-o', `-p ${this.replicaPort}`]);
  }

  /** Stops the replica the way a crash or a network partition would look to clients. */
  async stopReplica(): Promise<void> {
    await this.pg('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', this.replicaDir]);
  }

  /** The end of a server's log, for a failure message. */
  logTail(server: 'primary' | 'replica', chars = 3000): string {
    try {
      return readFileSync(join(this.dir, `${server}.log`), 'utf8').slice(-chars);
    } catch {
      return '(no log)';
    }
  }

  /** Runs one statement on a server and returns its rows. */
  async sql<R extends pg.QueryResultRow = Record<string, unknown>>(
    server: 'primary' | 'replica',
    text: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: server === 'primary' ? this.primaryPort : this.replicaPort,
      user: 'postgres',
      database,
    });
    await client.connect();
    try {
      return (await client.query<R>(text, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** Freezes WAL replay on the replica (it keeps serving reads, more and more behind). */
  async pauseReplay(): Promise<void> {
    await this.sql('replica', 'SELECT pg_wal_replay_pause()');
  }

  async resumeReplay(): Promise<void> {
    await this.sql('replica', 'SELECT pg_wal_replay_resume()');
  }

  private forgetExitHook = () => {};

  /** Stops both servers at once and removes every file; safe to call twice or after a failed start. */
  async destroy(): Promise<void> {
    this.forgetExitHook();
    for (const d of [this.replicaDir, this.primaryDir]) {
      if (existsSync(join(d, 'postmaster.pid'))) {
        await this.pg('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', d]).catch(() => {});
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The same from a process 'exit' handler, where nothing asynchronous runs. */
  private destroySync(): void {
    for (const d of [this.replicaDir, this.primaryDir]) {
      if (!existsSync(join(d, 'postmaster.pid'))) continue;
      const [cmd, argv] = this.command('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', d]);
      try {
        execFileSync(cmd, argv, { stdio: 'ignore', timeout: 10_000 });
      } catch {
        /* already gone */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

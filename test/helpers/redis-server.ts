// Redis for tests: a private redis-server on a free port that a test can
// stop, freeze (SIGSTOP) and bring back, and unique key prefixes on the
// shared Redis so parallel runs never see each other's keys.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** The shared Redis the suite expects (README: local Redis on 6379). */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test run uses. */
export function uniquePrefix(label = 'test'): string {
  return `tracelens-${label}-${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under prefix (SCAN, never KEYS, so a busy Redis is not blocked). */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await scanKeys(client, prefix);
    if (keys.length) await client.del(...keys);
    return keys.length;
  } finally {
    client.disconnect();
  }
}

export async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}


export class PrivateRedis {
  private proc: ChildProcess | null = null;
  private paused = false;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const r = new PrivateRedis(await freePort());
    await r.start();
    return r;
  }

  /** (Re)starts the server on the same port; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.proc) return;
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
  }

  /** Freezes the process: connections stay open, nothing answers. */
  pause(): void {
    this.proc?.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    this.proc?.kill('SIGCONT');
    this.paused = false;
  }

  /** Stops the server (data is lost, as after a crash without persistence). */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    if (this.paused) this.resume();
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  }
}

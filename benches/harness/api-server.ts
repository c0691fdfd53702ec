// Starts the built API (`node bin/tracelens.js serve`) as a child process on a
// free port against the benchmark database, and waits until it answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/free-port.js';

const BIN = fileURLToPath(new URL('../../bin/tracelens.js', import.meta.url));

export interface ApiServer {
  baseUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}


/** args: extra flags of `serve`, e.g. ['--workers', '2']; bin: another build's bin/tracelens.js (a before/after in one run). */
export async function startApi(env: Record<string, string>, args: string[] = [], bin = BIN): Promise<ApiServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(process.env.API_NODE_OPTIONS ?? '').split(' ').filter(Boolean), bin, 'serve', ...args], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
      DEMO_DATA: 'false',
      // The load generator is one client: per-caller limits would measure the limiter.
      RATE_LIMIT_ADMIN: '1000000000',
      RATE_LIMIT_VIEWER: '1000000000',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.ok) return { baseUrl, child, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the API did not become healthy within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// Runs the tracelens CLI from source (through tsx) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = `import('./src/cli/main.ts').then((m) => m.main(process.argv.slice(1)))`;

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

export function runCli(args: string[], env: Record<string, string | undefined>): CliRun {
  // Only what the test passes, plus PATH/HOME: the developer's own environment must not leak in.
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', ENTRY, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function waitForOutput(run: CliRun, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = run.stdout().match(pattern);
    if (m) return m;
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pattern ${pattern} not seen; stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
}

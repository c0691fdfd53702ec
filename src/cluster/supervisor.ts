// `tracelens serve --workers N`: the primary process forks N workers that all
// listen on the same port (node:cluster hands connections out round-robin),
// replaces a worker that dies, and on SIGTERM/SIGINT has every worker drain
// its in-flight requests before exiting. The primary itself serves nothing.
//
// What the workers share lives outside them: the result cache and the rate
// limit counters in Redis (REDIS_URL), the data and the export queue in
// PostgreSQL. Startup migrations run in every worker and are serialized by
// the migration advisory lock, so the first applies them and the rest find
// nothing to do.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { PrimaryLog } from './primary-log.js';
import { serveMetricsRequests } from './cluster-metrics.js';
import { onStopSignal } from './stop-signals.js';

export interface SupervisorOptions {
  workers: number;
  /** How long workers get to drain after SIGTERM before they are killed. */
  graceMs: number;
  log: PrimaryLog;
}

/** A worker that lives this long counts as started well: its slot's crash count resets. */
const STABLE_AFTER_MS = 10_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;

/** Restart delay after `crashes` consecutive early deaths: none for the first, then doubling, capped. */
export function restartDelayMs(crashes: number): number {
  return crashes <= 1 ? 0 : Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (crashes - 2));
}

/** Flags of this process that a worker needs too (a loader like tsx), without -e/-p and their code. */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') {
      i++;
      continue;
    }
    if (/^--(eval|print)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}

export function superviseWorkers(opts: SupervisorOptions): void {
  const log = opts.log;
  // The worker entry next to this module (.js when built, .ts under tsx).
  const here = fileURLToPath(import.meta.url);
  cluster.setupPrimary({ exec: here.replace(/supervisor\.(ts|js)$/, 'worker-main.$1'), execArgv: workerExecArgv(), args: [] });

  const slotOf = new Map<number, { slot: number; startedAt: number }>();
  const crashes = new Array<number>(opts.workers).fill(0);
  let stopping = false;
  let failedExit = false;

  const fork = (slot: number) => {
    const worker = cluster.fork({ TRACELENS_WORKER: String(slot) });
    slotOf.set(worker.id, { slot, startedAt: Date.now() });
    log('info', { worker: slot, worker_pid: worker.process.pid }, 'worker started');
  };

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    const entry = slotOf.get(worker.id);
    slotOf.delete(worker.id);
    if (!entry) return;
    if (stopping) {
      if (code !== 0) failedExit = true;
      log(code === 0 ? 'info' : 'warn', { worker: entry.slot, worker_pid: worker.process.pid, code, signal }, 'worker stopped');
      if (slotOf.size === 0) {
        log('info', {}, 'all workers stopped');
        process.exit(failedExit ? 1 : 0);
      }
      return;
    }
    // A worker that dies right after starting is likely to die again (bad
    // config, database refusing): back off instead of forking in a tight loop.
    const early = Date.now() - entry.startedAt < STABLE_AFTER_MS;
    crashes[entry.slot] = early ? crashes[entry.slot]! + 1 : 1;
    const delay = restartDelayMs(crashes[entry.slot]!);
    log('error', { worker: entry.slot, worker_pid: worker.process.pid, code, signal, restart_in_ms: delay }, 'worker died; restarting it');
    setTimeout(() => {
      if (!stopping) fork(entry.slot);
    }, delay);
  });

  serveMetricsRequests();

  onStopSignal((signal) => {
    stopping = true;
    log('info', { signal, workers: slotOf.size }, 'shutting down: workers drain their in-flight requests');
    if (slotOf.size === 0) process.exit(0);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    // Each worker bounds its own drain; this only catches a worker that hangs past it.
    setTimeout(() => {
      log('error', { workers: slotOf.size }, 'workers did not stop in time; killing them');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      process.exit(1);
    }, opts.graceMs + 5000).unref();
  });

  for (let slot = 0; slot < opts.workers; slot++) fork(slot);
}

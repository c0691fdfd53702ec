// The export worker of one API process: runs at most EXPORT_CONCURRENCY jobs
// from the shared queue, renews each job's lease while it runs (and records
// progress with it), and expires old files. Another process's job whose lease
// ran out is taken over; one that died on every attempt is failed with the
// reason. Several instances share the queue through SKIP LOCKED claims.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config.js';
import { isAppError } from '../errors.js';
import type { Driver } from '../storage/driver.js';
import { expireExports } from './expiry.js';
import type { FileStore } from './file-store.js';
import { claimJob, completeJob, failAbandoned, failJob, heartbeat, releaseJob, type JobRow } from './job-store.js';
import { runJob, type JobProgress } from './run-job.js';

export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WorkerDeps {
  db: Driver;
  reader: Driver;
  config: Config['export'];
  files: FileStore;
  log: WorkerLog;
}

/** How often the server looks for expired exports. */
const EXPIRY_INTERVAL_MS = 60_000;

interface Run {
  controller: AbortController;
  done: Promise<void>;
  /** Why this process aborted the run; null while it runs. */
  reason: 'cancelled' | 'stopping' | null;
}

export class ExportWorker {
  /** This worker in the lease column: host, process and a random part (a restarted process is another worker). */
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly runs = new Map<string, Run>();
  private timer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private stopped = false;

  constructor(private readonly deps: WorkerDeps) {}

  get running(): number {
    return this.runs.size;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const { config, files } = this.deps;
    files.ensureDir();
    this.timer = setInterval(() => void this.tick(), config.pollMs);
    this.timer.unref();
    this.expiryTimer = setInterval(() => void this.expire(), Math.min(EXPIRY_INTERVAL_MS, config.ttlS * 250));
    this.expiryTimer.unref();
    void this.tick();
    void this.expire();
  }

  /** Claims jobs while slots are free. Public so tests and the enqueue path can run it at once. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const { db, config, log } = this.deps;
    try {
      const failed = await failAbandoned(db, config.maxAttempts, config.ttlS);
      if (failed.length > 0) log.warn({ jobs: failed }, 'export jobs failed: their worker stopped on every attempt');
      while (this.runs.size < config.concurrency && !this.stopped) {
        const job = await claimJob(db, this.id, config.leaseMs, config.maxAttempts);
        if (!job) break;
        this.launch(job);
      }
    } catch (err) {
      log.warn({ err }, 'export worker: could not claim jobs; retrying');
    } finally {
      this.ticking = false;
    }
  }

  async expire(): Promise<void> {
    try {
      const r = await expireExports(this.deps.db, this.deps.files);
      if (r.deletedFiles.length > 0) this.deps.log.info({ expired: r.expiredJobs, deleted: r.deletedFiles.length }, 'export files expired');
    } catch (err) {
      this.deps.log.warn({ err }, 'export expiry failed; retrying later');
    }
  }

  /** Stops the run of a job this process holds (cancelled through the API); the heartbeat would notice later anyway. */
  cancelLocal(id: string): void {
    const run = this.runs.get(id);
    if (run && run.reason === null) {
      run.reason = 'cancelled';
      run.controller.abort();
    }
  }

  /** Stops claiming, aborts running jobs and hands them back to the queue for another instance. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    for (const run of this.runs.values()) {
      if (run.reason === null) run.reason = 'stopping';
      run.controller.abort();
    }
    await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  private launch(job: JobRow): void {
    const run: Run = { controller: new AbortController(), done: Promise.resolve(), reason: null };
    this.runs.set(job.id, run);
    run.done = this.execute(job, run).finally(() => {
      this.runs.delete(job.id);
      // A slot is free: look for the next job without waiting for the poll.
      if (!this.stopped) void this.tick();
    });
  }

  private async execute(job: JobRow, run: Run): Promise<void> {
    const { db, reader, config, files, log } = this.deps;
    const progress: JobProgress = { rows: 0, bytes: 0 };
    const beat = setInterval(() => {
      heartbeat(db, job.id, this.id, config.leaseMs, progress.rows, progress.bytes).then(
        (ours) => {
          // Cancelled through another instance, or taken over after a stall: stop writing.
          if (!ours && run.reason === null) {
            run.reason = 'cancelled';
            run.controller.abort();
          }
        },
        (err: unknown) => log.warn({ err, job: job.id }, 'export heartbeat failed'),
      );
    }, Math.max(100, Math.floor(config.leaseMs / 3)));
    beat.unref();
    try {
      // The lease stops being renewed once the run settles: what follows records its outcome.
      const result = await runJob(reader, config, files, job, progress, run.controller.signal).finally(() => clearInterval(beat));
      const ok = await completeJob(db, job.id, this.id, { ...result, ttlS: config.ttlS });
      if (!ok) await files.remove(result.fileName);
      else log.info({ job: job.id, rows: result.rows, bytes: result.bytes }, 'export job completed');
    } catch (err) {
      if (run.reason === 'stopping') await releaseJob(db, job.id, this.id).catch(() => undefined);
      else if (run.reason === null) {
        if (!isAppError(err) || err.statusCode >= 500) log.error({ err, job: job.id }, 'export job failed');
        await failJob(db, job.id, this.id, failureMessage(err), config.ttlS).catch((e: unknown) => log.warn({ err: e, job: job.id }, 'could not record an export failure'));
      }
    }
  }
}

/** What the job's `error` says: the coded message for known conditions, never internals. */
function failureMessage(err: unknown): string {
  if (isAppError(err)) return `${err.code}: ${err.message}`;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return 'The export directory is full';
  return 'Internal error while writing the export';
}

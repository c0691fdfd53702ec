// How many API workers `tracelens serve` runs: --workers N, else one per core
// in production (Node runs JavaScript on one core per process) and one
// otherwise, so a laptop or a test does not fork a process per core.
import { availableParallelism } from 'node:os';

export const MAX_WORKERS = 64;

export function defaultWorkerCount(env: Record<string, string | undefined> = process.env, cores = availableParallelism()): number {
  return env.NODE_ENV === 'production' ? Math.max(1, Math.min(cores, MAX_WORKERS)) : 1;
}

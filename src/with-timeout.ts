// Bounds a promise. The loser of the race is left to settle on its own; its
// rejection is swallowed so it never surfaces as an unhandled rejection.

export class TimeoutError extends Error {
  /** Same code as a socket timeout, so the database error mapping answers it 503. */
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

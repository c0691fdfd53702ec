// A Driver wrapper that counts every call reaching the storage boundary, so a
// test can prove that a request did no database work at all.
import type { Driver } from '../../src/storage/driver.js';

export interface CountingDriver extends Driver {
  /** Calls of query/exec/transaction/ping since creation or the last reset. */
  readonly calls: number;
  reset(): void;
}

export function countingDriver(inner: Driver): CountingDriver {
  let calls = 0;
  return {
    engine: inner.engine,
    get calls() {
      return calls;
    },
    reset() {
      calls = 0;
    },
    query(sql, params, opts) {
      calls++;
      return inner.query(sql, params, opts);
    },
    exec(sql) {
      calls++;
      return inner.exec(sql);
    },
    transaction(fn) {
      calls++;
      return inner.transaction(fn);
    },
    ping(timeoutMs) {
      calls++;
      return inner.ping(timeoutMs);
    },
    poolStats: () => inner.poolStats(),
    close: () => inner.close(),
  };
}

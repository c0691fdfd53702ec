// At most N analytics statements of this instance at a time; the rest wait
// their turn in order. A report runs several independent statements (both
// periods, the splits, the histograms) and sent all at once they take as
// many pooled connections. On a database with few cores that costs more
// than it saves: the backends compete for the same cores, and every
// connection a statement shape lands on plans it again (a generic plan over
// the partitioned table costs 10-90 ms the first time on each connection),
// which is where the slowest percentiles of the report endpoints came from.
// Bounded, the statements run on the few connections the pool hands out
// last (it reuses the most recently released), which stay warm, while the
// pool stays large for searches and ingest (docs/performance.md,
// "Analytics statements at once"). p-limit is the queue: small, well kept,
// exactly these semantics.
import pLimit from 'p-limit';
import { appError } from '../errors.js';
import type { Queryable } from './driver.js';

export function limitStatements(db: Queryable, concurrency: number): Queryable {
  const limit = pLimit(concurrency);
  return {
    query: (sql, params, opts) =>
      limit(() => {
        // The request went away while its statement waited: it is not run at all.
        if (opts?.signal?.aborted) throw appError.CLIENT_CLOSED_REQUEST();
        return db.query(sql, params, opts);
      }),
  };
}

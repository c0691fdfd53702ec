// Which server answers each kind of statement when a read replica is
// configured. A Record over every QueryKind, so a new kind (analytics,
// exports, ...) does not type-check until someone decides where it runs.
import type { QueryKind } from '../storage/driver.js';

export type ReadTarget = 'replica' | 'primary';

export const READ_ROUTES: Readonly<Record<QueryKind, ReadTarget>> = {
  // Reads that tolerate a bounded staleness (READ_MAX_LAG_S): the replica.
  search: 'replica',
  list: 'replica',
  trace: 'replica',
  // Analytics (metrics queries and reports) read rollups and spans only.
  metrics: 'replica',
  // Writes, schema changes and bookkeeping must see and change the primary.
  ingest: 'primary',
  migrate: 'primary',
  admin: 'primary',
  // Export job bookkeeping writes, and a stream's cancel (pg_terminate_backend)
  // must reach the server its rows come from: exports stay on the primary.
  export: 'primary',
  // The API's health is the primary's: the replica has its own probe.
  health: 'primary',
  // Unlabelled statements may be anything, including writes.
  other: 'primary',
};

// Replica metrics: how often reads went to the primary instead, and the lag
// the probe last measured.
import { counter, gauge } from '../metrics/registry.js';

export type FallbackReason = 'replica_down' | 'replica_lagging' | 'replica_error' | 'read_your_writes';

export const readFallbacks = counter(
  'db_read_fallbacks_total',
  'Reads meant for the replica that the primary answered, by reason',
  ['reason'],
);

export const replicaLag = gauge('db_replica_lag_seconds', 'Replication lag of the read replica at the last probe (-1: unreachable)', [], 'max');

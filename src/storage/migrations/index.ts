// Ordered list of schema migrations. Append only: never edit a shipped one.
import m0001 from './0001-init.js';
import m0002 from './0002-query-indexes.js';
import m0003 from './0003-analytics-rollups.js';
import m0004 from './0004-export-jobs.js';
import m0006 from './0006-steady-ingest.js';
import m0007 from './0007-every-field-indexes.js';
import m0008 from './0008-narrow-rollups.js';
import m0009, { prepare as p0009 } from './0009-time-partitions.js';
import m0010 from './0010-array-histograms.js';
import m0011 from './0011-week-partitions.js';
import m0012 from './0012-id-and-attribute-match-indexes.js';
import m0013, { prepare as p0013 } from './0013-user-rollup-covering-index.js';
import m0014 from './0014-deferred-rollups.js';
import m0015 from './0015-user-day-first-last-span.js';
import m0016 from './0016-user-week-rollups.js';

export interface Migration {
  readonly id: string;
  readonly sql: string;
  /**
   * Statements run before the migration's transaction, each on its own and
   * outside any transaction (CONCURRENTLY, online validation), so the
   * transaction that follows holds its locks only briefly. Each must be safe
   * to run again, and the migration must still be correct without them.
   */
  readonly prepare?: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  { id: '0001-init', sql: m0001 },
  { id: '0002-query-indexes', sql: m0002 },
  { id: '0003-analytics-rollups', sql: m0003 },
  { id: '0004-export-jobs', sql: m0004 },
  { id: '0006-steady-ingest', sql: m0006 },
  { id: '0007-every-field-indexes', sql: m0007 },
  { id: '0008-narrow-rollups', sql: m0008 },
  { id: '0009-time-partitions', sql: m0009, prepare: p0009 },
  { id: '0010-array-histograms', sql: m0010 },
  { id: '0011-week-partitions', sql: m0011 },
  { id: '0012-id-and-attribute-match-indexes', sql: m0012 },
  { id: '0013-user-rollup-covering-index', sql: m0013, prepare: p0013 },
  { id: '0014-deferred-rollups', sql: m0014 },
  { id: '0015-user-day-first-last-span', sql: m0015 },
  { id: '0016-user-week-rollups', sql: m0016 },
];

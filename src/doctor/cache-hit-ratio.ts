// Buffer cache hit ratio: the share of block reads served from shared_buffers.
// A low ratio on a read-heavy API means the working set (recent rows and the
// indexes) does not fit in memory, and queries wait on disk.
import { TABLE } from '../query/fields.js';
import { ADMIN, type CheckFamily } from './check.js';

/**
 * Below this we warn. OLTP guidance is 99 %; tracelens is analytics over a
 * table that usually outgrows memory (wide time ranges, text), so the bar is lower.
 */
export const MIN_HIT_RATIO = 0.9;
/** Fewer block accesses than this is too little activity for a ratio to mean anything. */
const MIN_BLOCKS = 10_000;

export const cacheHitRatio: CheckFamily = {
  id: 'cache-hit-ratio',
  postgresOnly: "the embedded engine's buffer cache lives in the process, its size is fixed and its counters restart with it",
  async run({ db }) {
    const r = (
      await db.query<{ hit: number; read: number; heap_hit: number | null; heap_read: number | null; idx_hit: number | null; idx_read: number | null; shared_buffers: string }>(
        `SELECT d.blks_hit::float8 AS hit, d.blks_read::float8 AS read,
                t.heap_blks_hit::float8 AS heap_hit, t.heap_blks_read::float8 AS heap_read,
                t.idx_blks_hit::float8 AS idx_hit, t.idx_blks_read::float8 AS idx_read,
                current_setting('shared_buffers') AS shared_buffers
           FROM pg_stat_database d
           LEFT JOIN pg_statio_user_tables t ON t.relid = $1::regclass
          WHERE d.datname = current_database()`,
        [TABLE],
        ADMIN,
      )
    ).rows[0]!;
    const ratio = (hit: number | null, read: number | null) => (hit === null || read === null || hit + read === 0 ? null : hit / (hit + read));
    const db_ = ratio(r.hit, r.read);
    const fmt = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`);
    const details = [`${TABLE} table blocks: ${fmt(ratio(r.heap_hit, r.heap_read))}`, `${TABLE} index blocks: ${fmt(ratio(r.idx_hit, r.idx_read))}`];
    const data = { ratio: db_, blocksHit: r.hit, blocksRead: r.read, tableRatio: ratio(r.heap_hit, r.heap_read), indexRatio: ratio(r.idx_hit, r.idx_read) };
    const base = { check: 'cache-hit-ratio', subject: 'shared_buffers' };
    if (r.hit + r.read < MIN_BLOCKS) {
      return [{ ...base, status: 'info', message: `${fmt(db_)} of block reads from the cache, over too little activity to judge (${r.hit + r.read} blocks)`, details, data }];
    }
    if (db_ !== null && db_ < MIN_HIT_RATIO) {
      return [
        {
          ...base,
          status: 'warn',
          message: `only ${fmt(db_)} of block reads come from the buffer cache (want ${fmt(MIN_HIT_RATIO)} or more; shared_buffers is ${r.shared_buffers})`,
          details,
          fix:
            "-- give PostgreSQL about 25 % of the server's RAM for its cache (values for an 8 GB server), then restart it:\n" +
            "ALTER SYSTEM SET shared_buffers = '2GB';\n" +
            "-- and tell the planner how much the OS caches on top (about 50-75 % of RAM):\n" +
            "ALTER SYSTEM SET effective_cache_size = '6GB';",
          data,
        },
      ];
    }
    return [{ ...base, status: 'pass', message: `${fmt(db_)} of block reads come from the buffer cache`, details, data }];
  },
};

// What PostgreSQL is doing during a soak, sampled on a connection of its own:
// every second the wait events of the database's active backends, every 5 s
// the GIN pending lists of llm_traces (pgstattuple's pgstatginindex, when the
// extension can be created), the table's vacuum counters and the buffer
// accesses of each of its indexes. The report turns these into per-minute
// figures next to throughput and latency.
import pg from 'pg';

export interface GinPending {
  pages: number;
  tuples: number;
}

export interface DbSample {
  t_s: number;
  /** Active backends of the database by "type:event" ("CPU" when not waiting). */
  waits: Record<string, number>;
  /** Every 5 s: pending list of each GIN index (absent without pgstattuple). */
  gin?: Record<string, GinPending>;
  /** Every 5 s: pg_stat_user_tables of llm_traces and vacuums in progress. */
  table?: { live: number; ins_since_vacuum: number; vacuums: number; autovacuums: number; autoanalyzes: number; vacuum_running: number };
  /** Every 5 s: cumulative shared-buffer accesses (hit + read) per index. */
  index_blocks?: Record<string, number>;
}

const WAITS_SQL = `
  SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w, count(*)::int AS n
    FROM pg_stat_activity
   WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
   GROUP BY 1`;

// llm_traces is partitioned (the parent stores nothing): read every partition.
// On a database from before partitioning pg_partition_tree lists nothing and
// the table itself is the one leaf.
const LEAVES = `(SELECT relid FROM pg_partition_tree('llm_traces'::regclass) WHERE isleaf UNION SELECT 'llm_traces'::regclass) leaves`;

const GIN_SQL = `
  SELECT c.relname AS name, s.pending_pages AS pages, s.pending_tuples::float8 AS tuples
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam,
         LATERAL pgstatginindex(c.oid) s
   WHERE i.indrelid IN (SELECT relid FROM ${LEAVES}) AND a.amname = 'gin' AND c.relkind = 'i'`;

const TABLE_SQL = `
  SELECT sum(n_live_tup)::float8 AS live, sum(n_ins_since_vacuum)::float8 AS ins_since_vacuum, sum(vacuum_count)::int AS vacuums,
         sum(autovacuum_count)::int AS autovacuums, sum(autoanalyze_count)::int AS autoanalyzes,
         (SELECT count(*)::int FROM pg_stat_progress_vacuum p WHERE p.relid IN (SELECT relid FROM ${LEAVES})) AS vacuum_running
    FROM pg_stat_user_tables s WHERE relid IN (SELECT relid FROM ${LEAVES})`;

const BLOCKS_SQL = `
  SELECT indexrelname AS name, (idx_blks_hit + coalesce(idx_blks_read, 0))::float8 AS n
    FROM pg_statio_user_indexes WHERE relid IN (SELECT relid FROM ${LEAVES})`;

export class DbSampler {
  readonly samples: DbSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private busy = false;
  private hasPgstattuple = false;

  private constructor(
    private readonly client: pg.Client,
    private readonly startedAt: number,
  ) {}

  static async start(url: string, startedAt: number, log: (m: string) => void): Promise<DbSampler> {
    const client = new pg.Client({ connectionString: url, application_name: 'tracelens-soak-sampler' });
    await client.connect();
    const sampler = new DbSampler(client, startedAt);
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
      sampler.hasPgstattuple = true;
    } catch (err) {
      log(`no pgstattuple (${(err as Error).message}): GIN pending lists not sampled`);
    }
    sampler.timer = setInterval(() => void sampler.tick(), 1000);
    return sampler;
  }

  get ginSampled(): boolean {
    return this.hasPgstattuple;
  }

  private async tick(): Promise<void> {
    // A slow sample (the database is saturated) skips ticks instead of piling up.
    if (this.busy) return;
    this.busy = true;
    const sample: DbSample = { t_s: Math.round((performance.now() - this.startedAt) / 100) / 10, waits: {} };
    try {
      for (const r of (await this.client.query<{ w: string; n: number }>(WAITS_SQL)).rows) sample.waits[r.w] = r.n;
      if (this.ticks++ % 5 === 0) {
        if (this.hasPgstattuple) {
          sample.gin = {};
          for (const r of (await this.client.query<{ name: string; pages: number; tuples: number }>(GIN_SQL)).rows) sample.gin[r.name] = { pages: r.pages, tuples: r.tuples };
        }
        sample.table = (await this.client.query(TABLE_SQL)).rows[0];
        sample.index_blocks = {};
        for (const r of (await this.client.query<{ name: string; n: number }>(BLOCKS_SQL)).rows) sample.index_blocks[r.name] = r.n;
      }
      this.samples.push(sample);
    } catch {
      // A sample lost to a database fault is a gap in the timeline, not a failure of the run.
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 50));
    await this.client.end();
  }
}

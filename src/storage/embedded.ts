// Embedded PostgreSQL (PGlite, PostgreSQL compiled to WebAssembly): the
// zero-configuration engine. Same SQL, same compiler; one connection, so
// statements are serialized by PGlite itself.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { toAppError } from './db-errors.js';
import type { Driver, PoolStats, QueryObserver, QueryOptions, QueryResult, Tx } from './driver.js';

export interface EmbeddedDriverOptions {
  /** A directory, or null for an in-memory database (tests). */
  dataDir: string | null;
  observe?: QueryObserver;
  /** Spans written here leave their rollup deltas pending for the fold (ROLLUP_MODE=deferred, migration 0014). */
  deferredRollups?: boolean;
}

export class EmbeddedDriver implements Driver {
  readonly engine = 'embedded' as const;
  private readonly db: PGlite;
  private readonly observe: QueryObserver | undefined;
  private pending = 0;

  private constructor(db: PGlite, observe?: QueryObserver) {
    this.db = db;
    this.observe = observe;
  }

  static async open(opts: EmbeddedDriverOptions): Promise<EmbeddedDriver> {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const db = new PGlite({
      ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
      extensions: { pg_trgm, btree_gin },
    });
    await db.waitReady;
    // The one session of the engine: a custom setting, read by the triggers (and harmless before migration 0014).
    if (opts.deferredRollups) await db.exec(`SET tracelens.rollup_mode = 'deferred'`);
    return new EmbeddedDriver(db, opts.observe);
  }

  async query<R>(sql: string, params: readonly unknown[] = [], opts: QueryOptions = {}): Promise<QueryResult<R>> {
    const started = performance.now();
    this.pending++;
    try {
      const res = await this.db.query<R>(sql, params as unknown[]);
      this.observe?.(opts.kind ?? 'other', performance.now() - started, true, opts);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    } catch (err) {
      this.observe?.(opts.kind ?? 'other', performance.now() - started, false, opts);
      throw toAppError(err);
    } finally {
      this.pending--;
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.db.exec(sql);
    } catch (err) {
      throw toAppError(err);
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(async (t) =>
        fn({
          exec: async (sql: string) => {
            await t.exec(sql);
          },
          query: async <R>(sql: string, params: readonly unknown[] = []) => {
            const res = await t.query<R>(sql, params as unknown[]);
            return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
          },
        }),
      );
    } catch (err) {
      throw toAppError(err);
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', [], { kind: 'health' });
  }

  poolStats(): PoolStats {
    return { total: 1, idle: this.pending === 0 ? 1 : 0, waiting: Math.max(0, this.pending - 1) };
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

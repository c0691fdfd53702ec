// Where an export's lines come from: batches of encoded rows, framed into body
// bytes, never the whole result. PostgreSQL reads through a server-side cursor
// on a connection of its own, rows taken as bytes off the socket
// (data-row-tap.ts); the embedded engine (no streaming protocol) through
// keyset pages of the search query. At most two batches are in memory: the
// one being written and, on PostgreSQL, the one read ahead.
import Cursor from 'pg-cursor';
import type { SearchRequest } from '../query/request.js';
import type { Driver } from '../storage/driver.js';
import { ReadRouter } from '../replica/read-router.js';
import { PostgresDriver } from '../storage/postgres.js';
import { toAppError } from '../storage/db-errors.js';
import { buildPageSql, ROW_ID, SORT_KEY, type KeysetPosition, type PageBounds } from '../traces/page-sql.js';
import { tapDataRows } from './data-row-tap.js';
import { LINE, lineSql, type LineFormat } from './line-sql.js';
import type { FramedBatch, RowFramer } from './row-framer.js';

export interface LineSource {
  /** The next batch of rows, framed, or null at the end. */
  next(): Promise<FramedBatch | null>;
  /** Releases the connection; before the end, stops the query on the server at once. */
  close(): Promise<void>;
}

export interface LineQuery {
  req: SearchRequest;
  bounds: PageBounds;
  format: LineFormat;
  /** At most this many rows (null: every matching row). */
  rowLimit: number | null;
}

export interface SourceOptions {
  /** Largest batch, in rows; batches are sized to about BATCH_TARGET_BYTES below it. */
  maxBatchRows: number;
  statementTimeoutMs: number;
  /** Labels the export's connection in pg_stat_activity. */
  applicationName?: string;
}

/** Text a batch should hold: rows range from a few hundred bytes to about a megabyte (three 256 kB texts and attributes). */
const BATCH_TARGET_BYTES = 2 * 1024 * 1024;
const FIRST_BATCH_ROWS = 64;

/**
 * Sizes each batch from the rows seen so far, so that a batch holds about
 * BATCH_TARGET_BYTES whether rows are small log lines or long prompts.
 */
export class BatchSizer {
  private rows = 0;
  private bytes = 0;
  constructor(private readonly maxRows: number) {}

  next(): number {
    if (this.rows === 0) return Math.min(FIRST_BATCH_ROWS, this.maxRows);
    const avg = Math.max(1, this.bytes / this.rows);
    return Math.max(1, Math.min(this.maxRows, Math.floor(BATCH_TARGET_BYTES / avg)));
  }

  record(batch: FramedBatch): void {
    this.rows += batch.rows;
    this.bytes += batch.chunk.length;
  }
}

/** Rows are framed by `framer` as they arrive (one framer per export: it knows which row came first). */
export async function openLineSource(db: Driver, q: LineQuery, o: SourceOptions, framer: RowFramer): Promise<LineSource> {
  // Behind a read replica the router decides the server (exports: READ_ROUTES),
  // and the export still gets that server's own dedicated connection.
  const target = db instanceof ReadRouter ? db.driverFor('export') : db;
  return target instanceof PostgresDriver ? openCursorSource(target, q, o, framer) : keysetSource(target, q, new BatchSizer(o.maxBatchRows), framer);
}

async function openCursorSource(db: PostgresDriver, q: LineQuery, o: SourceOptions, framer: RowFramer): Promise<LineSource> {
  const { sql, params } = buildPageSql(q.req, q.bounds, null, { select: lineSql(q.format, q.req.fields), limit: q.rowLimit, keyset: false });
  const client = await db.connectDedicated({ statementTimeoutMs: o.statementTimeoutMs, applicationName: o.applicationName ?? 'tracelens-export' });
  const pid = (client as unknown as { processID: number }).processID;
  // Rows never reach node-postgres (nor the cursor's row arrays): the tap
  // frames them as they arrive; a fetch's rows are taken when it settles.
  let untap: () => void;
  try {
    untap = tapDataRows(client, (src, start, end) => framer.putBytes(src, start, end));
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  const cursor = client.query(new Cursor(sql, params as unknown[]));
  const sizer = new BatchSizer(o.maxBatchRows);
  const fetch = (): Promise<Fetched> => {
    const want = sizer.next();
    return cursor.read(want).then(
      () => ({ batch: framer.take(), want }),
      (err: unknown) => ({ err }),
    );
  };
  // One fetch always in flight: PostgreSQL produces the next batch while this
  // one is written out, instead of the two taking turns (docs/export.md).
  let ahead: Promise<Fetched> | null = fetch();
  let done = false;
  let closed = false;
  return {
    async next() {
      if (ahead === null) return null;
      const got = await ahead;
      ahead = null;
      if ('err' in got) {
        done = true;
        throw toAppError(got.err);
      }
      if (got.batch.rows < got.want) done = true;
      else ahead = fetch();
      if (got.batch.rows === 0) return null;
      sizer.record(got.batch);
      return got.batch;
    },
    async close() {
      if (closed) return;
      closed = true;
      ahead = null;
      if (!done) {
        // The backend may be busy sorting (a cancel would do) or blocked
        // writing to a socket nobody reads (only termination ends that):
        // terminate it from a pooled connection, the dedicated one is discarded anyway.
        await db.query('SELECT pg_terminate_backend($1)', [pid], { kind: 'export' }).catch(() => undefined);
        client.connection.stream.destroy();
        return;
      }
      await cursor.close().catch(() => undefined);
      untap();
      await client.end().catch(() => undefined);
    },
  };
}

/** A fetch settled: never rejected, so a read ahead that nobody awaits (the export was closed) is not an unhandled rejection. */
type Fetched = { batch: FramedBatch; want: number } | { err: unknown };

/**
 * Keyset pages over the same query the search endpoint pages through: each
 * batch starts after the last row of the one before, so every matching row is
 * read once, in order, without OFFSET.
 */
function keysetSource(db: Driver, q: LineQuery, sizer: BatchSizer, framer: RowFramer): LineSource {
  let after: KeysetPosition | null = null;
  let remaining = q.rowLimit ?? Number.POSITIVE_INFINITY;
  let done = false;
  const select = lineSql(q.format, q.req.fields);
  return {
    async next() {
      if (done) return null;
      const want = Math.min(sizer.next(), remaining);
      const { sql, params } = buildPageSql(q.req, q.bounds, after, { select, limit: want });
      const res = await db.query<Record<string, unknown>>(sql, params, { kind: 'export' });
      const rows = res.rows;
      remaining -= rows.length;
      if (rows.length < want || remaining <= 0) done = true;
      if (rows.length === 0) return null;
      const last = rows[rows.length - 1]!;
      after = { key: last[SORT_KEY] as string | number | null, id: Number(last[ROW_ID]) };
      for (const r of rows) framer.putText(r[LINE] as string);
      const batch = framer.take();
      sizer.record(batch);
      return batch;
    },
    async close() {
      done = true;
    },
  };
}

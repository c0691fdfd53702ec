// Opens an export of a normalized search request: the same request, tenant
// scope, fields and cost permissions as the search endpoint (traces/search-request.ts
// built it), every matching row instead of one page.
import type { Config } from '../config.js';
import { appError } from '../errors.js';
import type { SearchRequest } from '../query/request.js';
import type { Driver } from '../storage/driver.js';
import { resolveBounds } from '../traces/page-sql.js';
import { ExportStream } from './export-stream.js';
import { framingOf, type ExportFormat } from './formats.js';
import { openLineSource } from './line-source.js';
import { RowFramer, type FramedBatch } from './row-framer.js';

/** Largest batch of rows read at once (smaller when rows are long, see BatchSizer). */
const MAX_BATCH_ROWS = 2000;

export interface OpenExportOptions {
  format: ExportFormat;
  /** At most this many rows; null = every matching row. */
  rowLimit: number | null;
  /** The instant relative bounds (now-1h) are taken at. */
  now: number;
  /** Aborting before the first batch arrives (the client left) stops the query. */
  signal?: AbortSignal;
}

/**
 * Starts the query and reads its first batch before anything is sent, so a
 * bad regular expression, a timeout or a database outage is still an error
 * response with its code rather than a body cut short.
 */
export async function openExport(reader: Driver, cfg: Config['export'], req: SearchRequest, o: OpenExportOptions): Promise<ExportStream> {
  const framing = framingOf(o.format);
  const source = await openLineSource(
    reader,
    { req, bounds: resolveBounds(req, o.now), format: framing.line, rowLimit: o.rowLimit },
    { maxBatchRows: MAX_BATCH_ROWS, statementTimeoutMs: cfg.statementTimeoutMs },
    new RowFramer(framing),
  );
  const stop = () => void source.close();
  o.signal?.addEventListener('abort', stop, { once: true });
  let first: FramedBatch | null;
  try {
    if (o.signal?.aborted) throw appError.QUERY_TIMEOUT(new Error('The export was stopped before it started'));
    first = await source.next();
  } catch (err) {
    await source.close();
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', stop);
  }
  return new ExportStream(source, framing, req.fields, first);
}

/** Bounds the concurrent streaming exports of this process: each holds a database connection. */
export class ExportSlots {
  private active = 0;
  constructor(private readonly max: number) {}

  /** Takes a slot (EXPORT_BUSY when none is free); the returned function gives it back once. */
  take(): () => void {
    if (this.active >= this.max) {
      throw appError.EXPORT_BUSY(this.max);
    }
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }
}

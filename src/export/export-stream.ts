// A readable body of framed rows, pulled batch by batch from a LineSource
// only when the consumer asks (Node's backpressure): however slow the client,
// at most two batches (one written, one read ahead) and the stream's buffer
// are in memory. Destroying the stream (the client went away, a job was
// cancelled) closes the source at once, which stops the query on the server.
import { Readable } from 'node:stream';
import type { FieldDef } from '../query/fields.js';
import type { Framing } from './formats.js';
import type { LineSource } from './line-source.js';
import type { FramedBatch } from './row-framer.js';

export class ExportStream extends Readable {
  /** Rows written so far. */
  rows = 0;
  private started = false;
  private pulling = false;
  private ended = false;

  constructor(
    private readonly source: LineSource,
    private readonly framing: Framing,
    private readonly fields: readonly FieldDef[],
    /** A batch already read (the caller checked the query starts before answering). */
    private pending: FramedBatch | null = null,
  ) {
    // Batches are large buffers: a small high-water mark keeps memory flat without costing throughput.
    super({ highWaterMark: 256 * 1024 });
  }

  override _read(): void {
    if (this.pulling || this.ended) return;
    this.pulling = true;
    this.pull().then(
      (chunk) => {
        // Cleared before pushing: push() may call _read() again at once for the next batch.
        this.pulling = false;
        if (this.destroyed) return;
        if (chunk !== null) {
          this.push(chunk);
          return;
        }
        this.push(null);
      },
      (err: unknown) => {
        this.pulling = false;
        this.destroy(err as Error);
      },
    );
  }

  /** The next piece of the body, or null after the tail was pushed. */
  private async pull(): Promise<Buffer | null> {
    let head = '';
    if (!this.started) {
      this.started = true;
      head = this.framing.head(this.fields);
    }
    const batch = this.pending ?? (await this.source.next());
    this.pending = null;
    if (batch === null) {
      this.ended = true;
      await this.source.close();
      const tail = head + this.framing.tail(this.rows === 0);
      if (tail !== '' && !this.destroyed) this.push(tail);
      return null;
    }
    this.rows += batch.rows;
    return head === '' ? batch.chunk : Buffer.concat([Buffer.from(head), batch.chunk]);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.source.close().then(
      () => cb(err),
      () => cb(err),
    );
  }
}

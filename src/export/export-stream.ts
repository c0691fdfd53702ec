// A readable body of framed lines, pulled batch by batch from a LineSource
// only when the consumer asks (Node's backpressure): however slow the client,
// at most one batch and the stream's buffer are in memory. Destroying the
// stream (the client went away, a job was cancelled) closes the source at
// once, which stops the query on the server.
import { Readable } from 'node:stream';
import type { FieldDef } from '../query/fields.js';
import type { Framing } from './formats.js';
import type { LineSource } from './line-source.js';

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
    private pending: string[] | null = null,
  ) {
    // Batches are large strings: a small buffer keeps memory flat without costing throughput.
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
  private async pull(): Promise<string | null> {
    let text = '';
    if (!this.started) {
      this.started = true;
      text = this.framing.head(this.fields);
    }
    const batch = this.pending ?? (await this.source.next());
    this.pending = null;
    if (batch === null) {
      this.ended = true;
      await this.source.close();
      const tail = text + this.framing.tail(this.rows === 0);
      if (tail !== '' && !this.destroyed) this.push(tail);
      return null;
    }
    text += this.frame(batch);
    this.rows += batch.length;
    return text;
  }

  private frame(lines: readonly string[]): string {
    const f = this.framing;
    const first = this.rows === 0;
    if (f.before(true) === '' && f.before(false) === '') return lines.join(f.after) + f.after;
    return lines.map((line, i) => f.before(first && i === 0) + line + f.after).join('');
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.source.close().then(
      () => cb(err),
      () => cb(err),
    );
  }
}

// Frames encoded rows into the bytes of a body: each row between its format's
// `before` and `after` text, written straight into one buffer per batch. The
// PostgreSQL source copies each row from the socket's bytes (no JavaScript
// string per row, see data-row-tap.ts); the embedded engine's source writes its
// rows' strings.
import type { Framing } from './formats.js';

/** Rows framed into body bytes. */
export interface FramedBatch {
  chunk: Buffer;
  rows: number;
}

const MIN_CAPACITY = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class RowFramer {
  private readonly beforeFirst: Buffer;
  private readonly beforeNext: Buffer;
  private readonly after: Buffer;
  /** No row framed yet in this export (JSON arrays put no comma before the first). */
  private first = true;
  private buf = EMPTY;
  private len = 0;
  private rows = 0;

  constructor(framing: Pick<Framing, 'before' | 'after'>) {
    this.beforeFirst = Buffer.from(framing.before(true));
    this.beforeNext = Buffer.from(framing.before(false));
    this.after = Buffer.from(framing.after);
  }

  /** Appends one row given as the bytes src[start, end) (UTF-8, as PostgreSQL sent them). */
  putBytes(src: Buffer, start: number, end: number): void {
    this.open(end - start);
    this.len += src.copy(this.buf, this.len, start, end);
    this.close();
  }

  /** Appends one row given as text. */
  putText(line: string): void {
    this.open(Buffer.byteLength(line));
    this.len += this.buf.write(line, this.len);
    this.close();
  }

  /** Room for a row of n bytes and its separators; writes the text before it. */
  private open(n: number): void {
    const before = this.first ? this.beforeFirst : this.beforeNext;
    this.reserve(before.length + n + this.after.length);
    this.putSmall(before);
  }

  private close(): void {
    this.putSmall(this.after);
    this.rows++;
    this.first = false;
  }

  /** The rows framed since the last take; the next rows go to a new buffer (this one now belongs to the caller). */
  take(): FramedBatch {
    const out = { chunk: this.buf.subarray(0, this.len), rows: this.rows };
    this.buf = EMPTY;
    this.len = 0;
    this.rows = 0;
    return out;
  }

  /** Separators are a byte or two: a loop is cheaper than a native copy call per row. */
  private putSmall(b: Buffer): void {
    for (let i = 0; i < b.length; i++) this.buf[this.len++] = b[i]!;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.len + n, this.buf.length * 2, MIN_CAPACITY));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

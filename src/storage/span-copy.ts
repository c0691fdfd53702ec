// Bulk load through COPY ... FROM STDIN (text format) on PostgreSQL: the
// seeder's fast path. Text format escaping: backslash, tab, newline and
// carriage return are written as \\, \t, \n, \r; NULL is \N.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { WRITE_FIELDS, type SpanRecord } from './span-record.js';

const COPY_SPECIAL_RE = /[\\\t\n\r]/;
const COPY_SPECIAL_G = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY text format. Text must not hold NUL (validated upstream). */
export function copyField(text: string): string {
  return COPY_SPECIAL_RE.test(text) ? text.replace(COPY_SPECIAL_G, (c) => COPY_ESCAPES[c]!) : text;
}

/** A text[] literal: every element quoted, with " and \ escaped inside quotes. */
export function arrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

function value(r: SpanRecord, name: keyof SpanRecord): string {
  const v = r[name];
  if (v === null || v === undefined) return '\\N';
  if (name === 'tags') return copyField(arrayLiteral(v as string[]));
  if (name === 'attributes') return copyField(JSON.stringify(v));
  return typeof v === 'string' ? copyField(v) : String(v);
}

const NAMES = WRITE_FIELDS.map((f) => f.name as keyof SpanRecord);

/** Rows as COPY text: one line per row, columns in WRITE_FIELDS order. */
export function copyRows(rows: readonly SpanRecord[]): string {
  let out = '';
  for (const r of rows) out += NAMES.map((n) => value(r, n)).join('\t') + '\n';
  return out;
}

export const COPY_SQL = `COPY llm_traces (${WRITE_FIELDS.map((f) => f.column).join(', ')}) FROM STDIN`;

/**
 * Streams batches of rows into one COPY (one transaction: all or nothing).
 * Backpressure from the server paces the generator, so progress callbacks
 * report rows the server is really consuming.
 */
export async function copySpanRecords(client: pg.ClientBase, batches: Iterable<SpanRecord[]>, onBatch?: (rows: number) => void): Promise<void> {
  const source = Readable.from(
    (function* () {
      for (const batch of batches) {
        yield copyRows(batch);
        onBatch?.(batch.length);
      }
    })(),
    { objectMode: false, highWaterMark: 1 },
  );
  await pipeline(source, client.query(copyFrom(COPY_SQL)));
}

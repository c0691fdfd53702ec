// The output formats: how lines are framed into a body, and how a body is
// labelled. Streams offer ndjson and csv; jobs csv, json and jsonl (the
// contract's names; jsonl is ndjson under its other common name).
import type { FieldDef } from '../query/fields.js';
import { csvHeader, type LineFormat } from './line-sql.js';

export const STREAM_FORMATS = ['ndjson', 'csv'] as const;
export const JOB_FORMATS = ['csv', 'json', 'jsonl'] as const;
export const COMPRESSIONS = ['none', 'gzip'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];
export type JobFormat = (typeof JOB_FORMATS)[number];
export type Compression = (typeof COMPRESSIONS)[number];
export type ExportFormat = StreamFormat | JobFormat;

export interface Framing {
  /** How the database encodes each row. */
  readonly line: LineFormat;
  readonly contentType: string;
  readonly extension: string;
  /** Text before the first row. */
  head(fields: readonly FieldDef[]): string;
  /** Text before each row (`first`: no row came before it). */
  readonly before: (first: boolean) => string;
  /** Text after each row. */
  readonly after: string;
  /** Text after the last row (`empty`: there was none). */
  tail(empty: boolean): string;
}

const none = () => '';

const NDJSON: Framing = {
  line: 'ndjson',
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'jsonl',
  head: none,
  before: none,
  after: '\n',
  tail: none,
};

const FRAMINGS: Readonly<Record<ExportFormat, Framing>> = {
  ndjson: NDJSON,
  jsonl: NDJSON,
  // RFC 4180: CRLF after every record, the header included.
  csv: {
    line: 'csv',
    contentType: 'text/csv; charset=utf-8; header=present',
    extension: 'csv',
    head: (fields) => `${csvHeader(fields)}\r\n`,
    before: none,
    after: '\r\n',
    tail: none,
  },
  // One JSON array, one row per line so that line tools still work on it.
  json: {
    line: 'ndjson',
    contentType: 'application/json; charset=utf-8',
    extension: 'json',
    head: () => '[',
    before: (first) => (first ? '\n' : ',\n'),
    after: '',
    tail: (empty) => (empty ? ']\n' : '\n]\n'),
  },
};

export function framingOf(format: ExportFormat): Framing {
  return FRAMINGS[format];
}

/**
 * gzip level 1: exports are large and read once; the fastest level keeps the
 * stream near the database's pace, the higher ones halve it for a few percent
 * of size (docs/export.md).
 */
export const GZIP_OPTIONS = { level: 1 } as const;

// One wire span -> a SpanDraft (a SpanRecord whose project may still be
// unresolved). Every problem is reported with its path; nothing is coerced
// silently except what docs/ingest.md lists (status case, empty parent id,
// derived totals).
import { FIELD_NAMES } from '../query/fields.js';
import { STATUS_CODES, type SpanRecord, type StatusCode } from '../storage/span-record.js';
import { addDecimals, isPlainDecimal, numberToDecimal } from './decimal.js';
import type { FieldErrors } from './field-errors.js';
import { INGEST_LIMITS as L } from './limits.js';
import { unstorableJson, unstorableText } from '../query/storable-text.js';
import { INGEST_TIMESTAMP, MAX_TIMESTAMP_MS, parseTimestamp } from '../query/time.js';

export type SpanDraft = Omit<SpanRecord, 'project_id'> & { project_id: string | null };

const KNOWN_FIELDS: ReadonlySet<string> = new Set(FIELD_NAMES);

type Obj = Record<string, unknown>;

/** Reads one field of one span, reporting problems under `${base}.${key}`. */
class FieldReader {
  constructor(
    private readonly obj: Obj,
    private readonly base: string,
    private readonly errors: FieldErrors,
  ) {}

  private fail(key: string, message: string): undefined {
    this.errors.add(`${this.base}.${key}`, message);
    return undefined;
  }

  /** undefined and null both mean "absent". */
  private get(key: string): unknown {
    return this.obj[key] ?? undefined;
  }

  text(key: string, opts: { required?: boolean; maxChars?: number; maxBytes?: number }): string | null | undefined {
    const v = this.get(key);
    if (v === undefined) return opts.required ? this.fail(key, 'is required') : null;
    if (typeof v !== 'string') return this.fail(key, 'must be a string');
    if (opts.required && v.length === 0) return this.fail(key, 'must not be empty');
    if (opts.maxChars !== undefined && v.length > opts.maxChars) return this.fail(key, `must be at most ${opts.maxChars} characters`);
    if (opts.maxBytes !== undefined && v.length > opts.maxBytes / 3 && Buffer.byteLength(v) > opts.maxBytes) {
      return this.fail(key, `must be at most ${opts.maxBytes} bytes of UTF-8`);
    }
    const why = unstorableText(v);
    return why ? this.fail(key, why) : v;
  }

  int(key: string): number | null | undefined {
    const v = this.get(key);
    if (v === undefined) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > L.maxInt) {
      return this.fail(key, `must be an integer between 0 and ${L.maxInt}`);
    }
    return v;
  }

  cost(key: string): string | null | undefined {
    const v = this.get(key);
    if (v === undefined) return null;
    let text: string;
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || v < 0) return this.fail(key, 'must be a non-negative number');
      text = numberToDecimal(v);
    } else if (typeof v === 'string') {
      if (v.length > L.costTextLength || !isPlainDecimal(v)) {
        return this.fail(key, 'must be a number or a decimal string such as "0.0025"');
      }
      text = v;
    } else {
      return this.fail(key, 'must be a number or a decimal string');
    }
    const intDigits = text.split('.')[0]!.replace(/^0+(?=\d)/, '');
    if (intDigits.length > L.maxCostIntegerDigits) return this.fail(key, 'must be below 1000000000 (USD)');
    return text;
  }

  timestamp(key: string): string | undefined {
    const v = this.get(key);
    if (v === undefined) return this.fail(key, 'is required');
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0 || v > MAX_TIMESTAMP_MS) return this.fail(key, 'as a number must be Unix epoch milliseconds');
      return new Date(v).toISOString();
    }
    if (typeof v !== 'string' || parseTimestamp(v, INGEST_TIMESTAMP) === null) {
      return this.fail(key, 'must be an RFC 3339 timestamp with a time zone (2026-01-31T12:00:00.123Z) or epoch milliseconds');
    }
    return v;
  }

  status(key: string): StatusCode | undefined {
    const v = this.get(key);
    if (v === undefined) return 'UNSET';
    const upper = typeof v === 'string' ? v.toUpperCase() : '';
    if (!(STATUS_CODES as readonly string[]).includes(upper)) return this.fail(key, `must be one of ${STATUS_CODES.join(', ')}`);
    return upper as StatusCode;
  }

  tags(key: string): string[] | undefined {
    const v = this.get(key);
    if (v === undefined) return [];
    if (!Array.isArray(v)) return this.fail(key, 'must be an array of strings');
    if (v.length > L.tags) return this.fail(key, `must hold at most ${L.tags} tags`);
    for (let i = 0; i < v.length; i++) {
      const t: unknown = v[i];
      if (typeof t !== 'string') return this.fail(`${key}[${i}]`, 'must be a string');
      if (t.length > L.tagLength) return this.fail(`${key}[${i}]`, `must be at most ${L.tagLength} characters`);
      const why = unstorableText(t);
      if (why) return this.fail(`${key}[${i}]`, why);
    }
    return v as string[];
  }

  attributes(key: string): Record<string, unknown> | undefined {
    const v = this.get(key);
    if (v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v)) return this.fail(key, 'must be a JSON object');
    const bad = unstorableJson(v, L.attributesDepth);
    if (bad) return this.fail(`${key}${bad[0]}`, bad[1]);
    if (Buffer.byteLength(JSON.stringify(v)) > L.attributesBytes) return this.fail(key, `must be at most ${L.attributesBytes} bytes as JSON`);
    return v as Record<string, unknown>;
  }
}

/** Sum of the parts that are present; null when neither is. */
function derivedTotal<T>(a: T | null, b: T | null, add: (x: T, y: T) => T): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

/** Validates span `index`; returns null when it has problems (already reported). */
export function validateSpan(raw: unknown, index: number, errors: FieldErrors): SpanDraft | null {
  const base = `spans[${index}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    errors.add(base, 'must be a JSON object');
    return null;
  }
  const before = errors.count;
  const obj = raw as Obj;
  for (const key of Object.keys(obj)) {
    if (!KNOWN_FIELDS.has(key)) errors.add(`${base}.${key.slice(0, 64).replace(/[^\x20-\x7e]/g, '?')}`, 'is not a span field');
  }
  const r = new FieldReader(obj, base, errors);
  const ids = { maxChars: L.idLength };
  const label = { maxChars: L.labelLength };
  const long = { maxBytes: L.textBytes };
  const draft = {
    ts: r.timestamp('ts'),
    trace_id: r.text('trace_id', { ...ids, required: true }),
    span_id: r.text('span_id', { ...ids, required: true }),
    // OpenTelemetry marks a root span with an empty parent id.
    parent_span_id: r.text('parent_span_id', ids) || null,
    project_id: r.text('project_id', { maxChars: L.projectIdLength }),
    span_name: r.text('span_name', { ...label, required: true }),
    provider: r.text('provider', label),
    model: r.text('model', label),
    input_text: r.text('input_text', long),
    output_text: r.text('output_text', long),
    prompt_tokens: r.int('prompt_tokens'),
    completion_tokens: r.int('completion_tokens'),
    total_tokens: r.int('total_tokens'),
    prompt_cost_usd: r.cost('prompt_cost_usd'),
    completion_cost_usd: r.cost('completion_cost_usd'),
    total_cost_usd: r.cost('total_cost_usd'),
    duration_ms: r.int('duration_ms') ?? 0,
    ttft_ms: r.int('ttft_ms'),
    status_code: r.status('status_code'),
    error_message: r.text('error_message', long),
    user_id: r.text('user_id', label),
    session_id: r.text('session_id', label),
    environment: r.text('environment', label),
    tags: r.tags('tags'),
    attributes: r.attributes('attributes'),
  };
  if (errors.count > before) return null;
  const d = draft as SpanDraft;
  if (d.project_id === '') errors.add(`${base}.project_id`, 'must not be empty');
  if (d.total_tokens === null) {
    d.total_tokens = derivedTotal(d.prompt_tokens, d.completion_tokens, (a, b) => a + b);
    if (d.total_tokens !== null && d.total_tokens > L.maxInt) errors.add(`${base}.total_tokens`, `the sum of prompt and completion tokens exceeds ${L.maxInt}`);
  }
  if (d.total_cost_usd === null) d.total_cost_usd = derivedTotal(d.prompt_cost_usd, d.completion_cost_usd, addDecimals);
  return errors.count > before ? null : d;
}

// OTLP spans are made to fit the ingest limits (src/ingest/limits.ts) instead
// of being rejected: an instrumentation that records a 1 MB prompt or a huge
// attribute is not malformed, and OTLP clients cannot fix and resend a span.
// Every cut is recorded in attributes["tracelens.truncated"].
import { jsonMayBeUnstorable, mayBeUnstorable, toStorableText } from '../../query/storable-text.js';
import { INGEST_LIMITS as L } from '../limits.js';
import type { AttrValue } from './decode.js';

/** NUL and lone surrogates (which PostgreSQL cannot store faithfully) become U+FFFD. */
export function storable(s: string): string {
  return mayBeUnstorable(s) ? toStorableText(s) : s;
}

/** At most `maxBytes` of UTF-8, cut on a character boundary. */
export function cutBytes(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes || Buffer.byteLength(s) <= maxBytes) return s;
  let cut = Buffer.from(s).subarray(0, maxBytes).toString();
  // A multi-byte character cut in half decodes to U+FFFD at the end: drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}

export function cutChars(s: string, maxChars: number): string {
  if (s.length <= maxChars) return s;
  // Do not split a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(s[maxChars - 1]!) ? maxChars - 1 : maxChars;
  return s.slice(0, end);
}

/** Longest string value kept whole inside attributes when they are over their limit. */
const LONG_ATTRIBUTE_CHARS = 1024;

/** Records what was cut, for attributes["tracelens.truncated"]. */
export class Cuts {
  fields: string[] = [];
  strings = 0;
  droppedKeys: string[] = [];
  get any(): boolean {
    return this.fields.length > 0 || this.strings > 0 || this.droppedKeys.length > 0;
  }
}

function storableJson(v: AttrValue, depth: number): AttrValue {
  if (typeof v === 'string') return storable(v);
  if (v === null || typeof v !== 'object') return v;
  // Deeper than the limit: the subtree is kept as its JSON text.
  if (depth >= L.attributesDepth - 1) return storable(JSON.stringify(v));
  if (Array.isArray(v)) return v.map((x) => storableJson(x, depth + 1));
  const out: Record<string, AttrValue> = {};
  for (const [k, x] of Object.entries(v)) out[storable(k)] = storableJson(x, depth + 1);
  return out;
}

function shortenStrings(v: AttrValue, cuts: Cuts): AttrValue {
  if (typeof v === 'string') {
    if (v.length <= LONG_ATTRIBUTE_CHARS) return v;
    cuts.strings++;
    return cutChars(v, LONG_ATTRIBUTE_CHARS);
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => shortenStrings(x, cuts));
  const out: Record<string, AttrValue> = {};
  for (const [k, x] of Object.entries(v)) out[k] = shortenStrings(x, cuts);
  return out;
}

const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/** Nesting depth of a JSON value (a scalar is 0). */
function depthOf(v: AttrValue, limit: number, depth = 0): number {
  if (v === null || typeof v !== 'object' || depth >= limit) return depth;
  let max = depth;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    if (x !== null && typeof x === 'object') max = Math.max(max, depthOf(x, limit, depth + 1));
  }
  return max;
}

/**
 * Attributes within L.attributesBytes and L.attributesDepth: first long string
 * values are shortened, then the largest keys are dropped until the object
 * fits (their names are listed in the record of cuts).
 */
export function fitAttributes(attrs: Record<string, AttrValue>, cuts: Cuts): Record<string, AttrValue> {
  // Room for the record of cuts itself.
  const budget = L.attributesBytes - 2048;
  // The common case, checked without copying: nothing to repair or cut.
  const text = JSON.stringify(attrs);
  const clean = !jsonMayBeUnstorable(text) && depthOf(attrs, L.attributesDepth) < L.attributesDepth - 1;
  if (clean && (text.length * 3 <= budget || Buffer.byteLength(text) <= budget)) return attrs;
  let out = clean ? attrs : (storableJson(attrs, 0) as Record<string, AttrValue>);
  if (jsonBytes(out) <= budget) return out;
  out = shortenStrings(out, cuts) as Record<string, AttrValue>;
  let size = jsonBytes(out);
  if (size <= budget) return out;
  const bySize = Object.keys(out)
    .map((k) => [k, jsonBytes({ [k]: out[k] })] as const)
    .sort((a, b) => b[1] - a[1]);
  for (const [k, bytes] of bySize) {
    if (size <= budget) break;
    delete out[k];
    size -= bytes;
    cuts.droppedKeys.push(cutChars(k, 128));
  }
  cuts.droppedKeys = cuts.droppedKeys.slice(0, 32);
  return out;
}

// An OTLP ExportTraceServiceRequest, protobuf-decoded or parsed from OTLP/JSON,
// -> plain spans grouped by resource and scope. One walker serves both forms:
// protobufjs messages and OTLP/JSON objects share the lowerCamelCase field
// names, and the few values that differ are told apart by their type:
//  - ids: bytes (protobuf) or hex strings (JSON; base64 also accepted, told
//    apart by length), always returned as lower-case hex;
//  - 64-bit integers: Long (protobuf), decimal strings or numbers (JSON),
//    returned as BigInt for timestamps so no nanosecond is lost;
//  - enums: integers (and, leniently, their names in JSON).
// A structural problem (wrong type where an object or list must be) is a 400
// for the whole request; a span with unusable ids is only that span's problem.
import { appError, type AppError } from '../../errors.js';
import { SPAN_KINDS, STATUS_CODE } from './schema.js';

export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface OtlpEvent {
  timeNs: bigint;
  name: string;
  attributes: Attributes;
}

export interface OtlpSpan {
  /** Lower-case hex, or null when the id was missing or malformed (see `invalid`). */
  traceId: string | null;
  spanId: string | null;
  parentSpanId: string | null;
  /** Why this span cannot be stored, when it cannot. */
  invalid: string | null;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Attributes;
  events: OtlpEvent[];
  statusCode: number;
  statusMessage: string;
  droppedAttributes: number;
}

export interface OtlpScopeSpans {
  scopeName: string;
  scopeVersion: string;
  spans: OtlpSpan[];
}

export interface OtlpResourceSpans {
  resource: Attributes;
  scopes: OtlpScopeSpans[];
}

type Obj = Record<string, unknown>;

// The readers below name a bad value by `at` + `field` (a parent path and a
// constant suffix), joined only when there is a problem: a request holds many
// spans and attributes, and nearly all of them are fine.

function malformed(path: string, what: string): AppError {
  return appError.OTLP_INVALID_PAYLOAD(`Malformed OTLP request: ${path} ${what}`);
}

function obj(v: unknown, at: string, field = ''): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw malformed(at + field, 'must be an object');
  return v as Obj;
}

function list(v: unknown, at: string, field = ''): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw malformed(at + field, 'must be an array');
  return v;
}

function text(v: unknown, at: string, field = ''): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw malformed(at + field, 'must be a string');
  return v;
}

const INT_RE = /^-?\d{1,20}$/;

/** protobufjs decodes 64-bit fields to long.js objects: two 32-bit halves. */
function isLong(v: unknown): v is { low: number; high: number; unsigned: boolean } {
  return typeof v === 'object' && v !== null && typeof (v as { low?: unknown }).low === 'number' && typeof (v as { high?: unknown }).high === 'number';
}

/** A 64-bit integer as BigInt: Long, decimal string or integral number. */
function int64(v: unknown, at: string, field = ''): bigint {
  if (v === undefined || v === null) return 0n;
  if (isLong(v)) {
    const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return v.unsigned ? bits : BigInt.asIntN(64, bits);
  }
  if (typeof v === 'string' && INT_RE.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw malformed(at + field, 'must be a 64-bit integer (number or decimal string)');
}

function int32(v: unknown, at: string, field: string, names: readonly string[]): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    if (INT_RE.test(v)) return Number(v);
    // The protobuf JSON mapping allows enum names; exporters send integers.
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  throw malformed(at + field, 'must be an integer');
}

// Enum names as the protobuf JSON mapping spells them, indexed by value.
const SPAN_KIND_NAMES = SPAN_KINDS.map((k) => `SPAN_KIND_${k}`);
const STATUS_CODE_NAMES: string[] = [];
for (const [name, code] of Object.entries(STATUS_CODE)) STATUS_CODE_NAMES[code] = `STATUS_CODE_${name}`;

const HEX_RE = /^[0-9a-fA-F]*$/;
const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Lower-case hex of an id of `bytes` bytes; '' for absent/empty; null when
 * it is not such an id. JSON sends hex (2 chars a byte); base64 of the same
 * bytes is shorter (ceil(bytes/3)*4), so the length tells which one it is.
 */
export function idHex(v: unknown, bytes: number): string | null {
  // protobufjs leaves an absent bytes field at its default, an empty array.
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return '';
  if (v instanceof Uint8Array) {
    if (v.length === 0) return '';
    return v.length === bytes ? Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex') : null;
  }
  if (typeof v !== 'string') return null;
  if (v.length === 0) return '';
  if (v.length === bytes * 2 && HEX_RE.test(v)) return v.toLowerCase();
  if (v.length === Math.ceil(bytes / 3) * 4 && BASE64_RE.test(v)) {
    const buf = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
    return buf.length === bytes ? buf.toString('hex') : null;
  }
  return null;
}

const ZERO_RE = /^0+$/;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A JSON-storable attribute value; int64 stays exact (a string beyond 2^53). */
function anyValue(v: unknown, path: string, depth: number): AttrValue {
  if (v === undefined || v === null) return null;
  const o = obj(v, path);
  if (depth > 32) throw malformed(path, 'nests too deeply');
  if (Object.hasOwn(o, 'stringValue')) return text(o.stringValue, path, '.stringValue');
  if (Object.hasOwn(o, 'boolValue')) {
    if (typeof o.boolValue !== 'boolean') throw malformed(`${path}.boolValue`, 'must be a boolean');
    return o.boolValue;
  }
  if (Object.hasOwn(o, 'intValue')) {
    const n = int64(o.intValue, path, '.intValue');
    return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n.toString();
  }
  if (Object.hasOwn(o, 'doubleValue')) {
    const d = o.doubleValue;
    // OTLP/JSON writes NaN and the infinities as strings; jsonb cannot hold them as numbers.
    if (typeof d === 'number') return Number.isFinite(d) ? d : String(d);
    if (typeof d === 'string' && d !== '' && !Number.isNaN(Number(d))) return Number.isFinite(Number(d)) ? Number(d) : d;
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return d;
    throw malformed(`${path}.doubleValue`, 'must be a number');
  }
  if (Object.hasOwn(o, 'arrayValue')) {
    const a = obj(o.arrayValue, path, '.arrayValue');
    return list(a.values, path, '.arrayValue.values').map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if (Object.hasOwn(o, 'kvlistValue')) {
    const kv = obj(o.kvlistValue, path, '.kvlistValue');
    return keyValues(kv.values, path, '.kvlistValue.values', depth + 1);
  }
  if (Object.hasOwn(o, 'bytesValue')) {
    const b = o.bytesValue;
    if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
    return text(b, path, '.bytesValue');
  }
  return null;
}

/** KeyValue list -> object; a repeated key keeps its last value (what the SDKs do on setAttribute). */
function keyValues(v: unknown, at: string, field: string, depth = 0): Attributes {
  const out: Attributes = {};
  const items = list(v, at, field);
  for (let i = 0; i < items.length; i++) {
    const item = `${at}${field}[${i}]`;
    const kv = obj(items[i], item);
    const key = text(kv.key, item, '.key');
    out[key] = anyValue(kv.value, `${item}.value`, depth);
  }
  return out;
}

function span(v: unknown, path: string): OtlpSpan {
  const s = obj(v, path);
  const traceId = idHex(s.traceId, 16);
  const spanId = idHex(s.spanId, 8);
  const parent = idHex(s.parentSpanId, 8);
  let invalid: string | null = null;
  if (traceId === null || traceId === '' || ZERO_RE.test(traceId)) invalid = 'traceId must be 16 bytes (32 hex characters), not all zero';
  else if (spanId === null || spanId === '' || ZERO_RE.test(spanId)) invalid = 'spanId must be 8 bytes (16 hex characters), not all zero';
  else if (parent === null) invalid = 'parentSpanId must be empty or 8 bytes (16 hex characters)';
  const status = obj(s.status, path, '.status');
  const events = list(s.events, path, '.events').map((e, i) => {
    const at = `${path}.events[${i}]`;
    const ev = obj(e, at);
    return {
      timeNs: int64(ev.timeUnixNano, at, '.timeUnixNano'),
      name: text(ev.name, at, '.name'),
      attributes: keyValues(ev.attributes, at, '.attributes'),
    };
  });
  return {
    traceId: invalid ? null : traceId,
    spanId: invalid ? null : spanId,
    parentSpanId: parent && !ZERO_RE.test(parent) ? parent : null,
    invalid,
    name: text(s.name, path, '.name'),
    kind: int32(s.kind, path, '.kind', SPAN_KIND_NAMES),
    startNs: int64(s.startTimeUnixNano, path, '.startTimeUnixNano'),
    endNs: int64(s.endTimeUnixNano, path, '.endTimeUnixNano'),
    attributes: keyValues(s.attributes, path, '.attributes'),
    events,
    statusCode: int32(status.code, path, '.status.code', STATUS_CODE_NAMES),
    statusMessage: text(status.message, path, '.status.message'),
    droppedAttributes: Number(int64(s.droppedAttributesCount, path, '.droppedAttributesCount')),
  };
}

/** Walks a decoded (protobuf) or parsed (JSON) ExportTraceServiceRequest. */
export function readExportRequest(body: unknown): OtlpResourceSpans[] {
  const req = obj(body, 'request');
  return list(req.resourceSpans, 'resourceSpans').map((rsRaw, r) => {
    const at = `resourceSpans[${r}]`;
    const rs = obj(rsRaw, at);
    const resource = obj(rs.resource, at, '.resource');
    return {
      resource: keyValues(resource.attributes, at, '.resource.attributes'),
      scopes: list(rs.scopeSpans, at, '.scopeSpans').map((ssRaw, s) => {
        const base = `${at}.scopeSpans[${s}]`;
        const ss = obj(ssRaw, base);
        const scope = obj(ss.scope, base, '.scope');
        return {
          scopeName: text(scope.name, base, '.scope.name'),
          scopeVersion: text(scope.version, base, '.scope.version'),
          spans: list(ss.spans, base, '.spans').map((sp, i) => span(sp, `${base}.spans[${i}]`)),
        };
      }),
    };
  });
}

/** Spans in a request, for limits and for counting rejections. */
export function countSpans(resources: readonly OtlpResourceSpans[]): number {
  let n = 0;
  for (const r of resources) for (const s of r.scopes) n += s.spans.length;
  return n;
}

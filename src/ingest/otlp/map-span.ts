// One OTLP span (with its resource and scope) -> one tracelens span in the
// wire shape of POST /api/v1/traces, so the JSON ingest's validator checks
// it like any other. Field sources come from the mapping table
// (mapping.ts); costs missing from the span are priced (prices.ts); values
// are cut to the ingest limits (fit.ts).
import { INGEST_LIMITS as L } from '../limits.js';
import type { StatusCode } from '../../storage/span-record.js';
import type { AttrValue, Attributes, OtlpScopeSpans, OtlpSpan } from './decode.js';
import { Cuts, cutBytes, cutChars, fitAttributes, storable } from './fit.js';
import { MAPPING, normalizeProvider, pick, type SpanView } from './mapping.js';
import { computeCost, findPrice, type PriceTable } from './prices.js';
import { SPAN_KINDS, STATUS_CODE } from './schema.js';

/** A span in the JSON ingest's wire shape, project not yet resolved. */
export type WireSpan = Record<string, unknown>;

const NS_PER_MS = 1_000_000n;

/** RFC 3339 with microseconds (what timestamptz keeps) from Unix nanoseconds. */
export function nsToTimestamp(ns: bigint): string {
  // Split in BigInt: microseconds pass 2^53 in the year 2255, and the caller allows up to 9999.
  const us = ns / 1000n;
  const ms = us / 1000n;
  const micros = Number(us - ms * 1000n);
  return new Date(Number(ms)).toISOString().slice(0, -1) + String(micros).padStart(3, '0') + 'Z';
}

/** Latest time a timestamp may have (year 9999), in ns. */
const MAX_NS = BigInt(Date.UTC(9999, 11, 31, 23, 59, 59, 999)) * NS_PER_MS;

function durationMs(start: bigint, end: bigint): number {
  if (end <= start) return 0;
  // Rounded to the nearest millisecond; the column is int4.
  const ms = Number((end - start + NS_PER_MS / 2n) / NS_PER_MS);
  return Math.min(ms, L.maxInt);
}

const label = (s: string | undefined | null, cuts: Cuts, field: string): string | null => {
  if (s === undefined || s === null) return null;
  const out = cutChars(storable(s), L.labelLength);
  if (out.length !== s.length) cuts.fields.push(field);
  return out;
};

const longText = (s: string | undefined | null, cuts: Cuts, field: string): string | null => {
  if (s === undefined || s === null) return null;
  const safe = storable(s);
  const out = cutBytes(safe, L.textBytes);
  if (out.length !== safe.length) cuts.fields.push(field);
  return out;
};

function statusOf(v: SpanView): { code: StatusCode; message: string | null } {
  const { span } = v;
  const attrs = span.attributes;
  const exception = span.events.find((e) => e.name === 'exception');
  const failed =
    span.statusCode === STATUS_CODE.ERROR ||
    (span.statusCode === STATUS_CODE.UNSET &&
      (attrs['langfuse.observation.level'] === 'ERROR' || attrs['error.type'] !== undefined || exception !== undefined));
  if (!failed) return { code: span.statusCode === STATUS_CODE.OK ? 'OK' : 'UNSET', message: null };
  const fromException = exception
    ? [exception.attributes['exception.type'], exception.attributes['exception.message']].filter((x) => typeof x === 'string' && x !== '').join(': ')
    : '';
  const candidates = [span.statusMessage, attrs['langfuse.observation.status_message'], fromException, attrs['error.type']];
  const message = candidates.find((c): c is string => typeof c === 'string' && c !== '') ?? null;
  return { code: 'ERROR', message };
}

function ttftMs(at: string | undefined, startNs: bigint): number | null {
  if (at === undefined) return null;
  const t = Date.parse(at);
  if (Number.isNaN(t)) return null;
  const ms = t - Number(startNs / NS_PER_MS);
  return ms >= 0 && ms <= L.maxInt ? ms : null;
}

export interface MapOptions {
  prices: readonly PriceTable[];
  /** False for spans that only repeat the usage of model calls below them. */
  modelCall: boolean;
}

export function mapSpan(span: OtlpSpan, resource: Attributes, scope: OtlpScopeSpans, opts: MapOptions): WireSpan {
  const v: SpanView = { span, resource, used: new Set(), usedEvents: new Set() };
  const cuts = new Cuts();
  const extra: Record<string, AttrValue> = {};

  const rawProvider = pick(v, 'provider');
  const model = pick(v, 'model') ?? null;
  const price = model === null ? null : findPrice(opts.prices, model);
  let provider = rawProvider === undefined ? null : normalizeProvider(rawProvider);
  // Some SDKs (Langfuse's) name the model but not the provider: the price
  // table knows whose model it is.
  if (provider === null && price !== null) {
    provider = price.entry.provider;
    extra['tracelens.provider_from'] = 'price table';
  }

  let prompt: number | null = null;
  let completion: number | null = null;
  let total: number | null = null;
  let costs: { prompt: string | null; completion: string | null; total: string | null } = { prompt: null, completion: null, total: null };
  if (opts.modelCall) {
    prompt = pick(v, 'prompt_tokens') ?? null;
    completion = pick(v, 'completion_tokens') ?? null;
    total = pick(v, 'total_tokens') ?? null;
    costs = {
      prompt: pick(v, 'prompt_cost_usd') ?? null,
      completion: pick(v, 'completion_cost_usd') ?? null,
      total: pick(v, 'total_cost_usd') ?? null,
    };
    const sentCost = costs.prompt !== null || costs.completion !== null || costs.total !== null;
    if (!sentCost && (prompt !== null || completion !== null) && price !== null) {
      costs = computeCost(price.entry, prompt ?? 0, completion ?? 0, pick(v, 'cached_tokens') ?? 0);
      extra['tracelens.cost'] = {
        computed: true,
        entry: price.name,
        provider: price.entry.provider,
        prices_checked: price.table.checked,
        source: price.table.source,
      };
    }
  }

  const status = statusOf(v);
  const input = pick(v, 'input_text');
  const output = pick(v, 'output_text');
  const tags = (pick(v, 'tags') ?? []).slice(0, L.tags).map((t) => cutChars(storable(t), L.tagLength));
  // Every pick before the leftovers are collected: a picked key is not repeated in attributes.
  const userId = pick(v, 'user_id');
  const sessionId = pick(v, 'session_id');
  const environment = pick(v, 'environment');
  const ttftAt = pick(v, 'ttft_at');

  const attributes: Record<string, AttrValue> = {};
  for (const [k, val] of Object.entries(span.attributes)) if (!v.used.has(k)) attributes[k] = val;
  attributes['otel.span.kind'] = SPAN_KINDS[span.kind] ?? span.kind;
  if (scope.scopeName) attributes['otel.scope.name'] = scope.scopeName;
  if (scope.scopeVersion) attributes['otel.scope.version'] = scope.scopeVersion;
  if (span.droppedAttributes > 0) attributes['otel.dropped_attributes_count'] = span.droppedAttributes;
  const events = span.events
    .filter((_, i) => !v.usedEvents.has(i))
    .map((e) => ({ name: e.name, time_unix_nano: e.timeNs.toString(), attributes: e.attributes }));
  if (events.length) attributes['otel.events'] = events;
  if (Object.keys(resource).length) attributes.resource = resource;
  Object.assign(attributes, extra);

  const wire: WireSpan = {
    ts: nsToTimestamp(span.startNs > MAX_NS ? MAX_NS : span.startNs),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    span_name: label(span.name === '' ? '(unnamed)' : span.name, cuts, 'span_name'),
    provider: label(provider, cuts, 'provider'),
    model: label(model, cuts, 'model'),
    input_text: longText(input, cuts, 'input_text'),
    output_text: longText(output, cuts, 'output_text'),
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: total,
    prompt_cost_usd: costs.prompt,
    completion_cost_usd: costs.completion,
    total_cost_usd: costs.total,
    duration_ms: durationMs(span.startNs, span.endNs),
    ttft_ms: ttftMs(ttftAt, span.startNs),
    status_code: status.code,
    error_message: longText(status.message, cuts, 'error_message'),
    user_id: label(userId, cuts, 'user_id'),
    session_id: label(sessionId, cuts, 'session_id'),
    environment: label(environment, cuts, 'environment'),
    tags,
  };
  const fitted = fitAttributes(attributes, cuts);
  if (cuts.any) {
    fitted['tracelens.truncated'] = {
      ...(cuts.fields.length ? { fields: cuts.fields } : {}),
      ...(cuts.strings ? { attribute_strings: cuts.strings } : {}),
      ...(cuts.droppedKeys.length ? { dropped_attributes: cuts.droppedKeys } : {}),
    };
  }
  wire.attributes = fitted;
  return wire;
}

/** The mapping table's sources per field, for docs and tests. */
export function mappingSources(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(MAPPING).map(([field, sources]) => [field, sources.map((s) => s.from)]));
}

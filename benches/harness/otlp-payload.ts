// Seed spans -> OTLP export requests as a GenAI-instrumented application
// would send them (gen_ai.* attributes, messages as JSON, no cost: tracelens
// prices the calls), in protobuf and in OTLP/JSON.
import { createHash } from 'node:crypto';
import { ExportTraceServiceRequest } from '../../src/ingest/otlp/schema.js';
import type { SpanRecord } from '../../src/storage/span-record.js';

const hex = (s: string, bytes: number) => createHash('sha256').update(s).digest('hex').slice(0, bytes * 2);

type AnyValue = Record<string, unknown>;
function anyValue(v: unknown): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (v && typeof v === 'object') return { kvlistValue: { values: Object.entries(v).map(([key, x]) => ({ key, value: anyValue(x) })) } };
  return {};
}
const kv = (key: string, v: unknown) => ({ key, value: anyValue(v) });

/** One OTLP span (JSON form: hex ids, int64 as strings) of a seed span. */
function otlpSpan(s: SpanRecord): Record<string, unknown> {
  const startNs = BigInt(Date.parse(s.ts)) * 1_000_000n;
  const attrs = [
    ...(s.provider ? [kv('gen_ai.provider.name', s.provider)] : []),
    ...(s.model ? [kv('gen_ai.request.model', s.model)] : []),
    ...(s.prompt_tokens !== null ? [kv('gen_ai.usage.input_tokens', s.prompt_tokens)] : []),
    ...(s.completion_tokens !== null ? [kv('gen_ai.usage.output_tokens', s.completion_tokens)] : []),
    ...(s.input_text ? [kv('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: s.input_text }] }]))] : []),
    ...(s.output_text ? [kv('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: s.output_text }] }]))] : []),
    ...(s.user_id ? [kv('user.id', s.user_id)] : []),
    ...(s.session_id ? [kv('session.id', s.session_id)] : []),
    ...(s.tags.length ? [kv('tag.tags', s.tags)] : []),
    ...(s.error_message ? [kv('error.type', s.error_message)] : []),
    ...Object.entries(s.attributes).map(([k, v]) => kv(k, v)),
  ];
  return {
    traceId: hex(s.trace_id, 16),
    spanId: hex(s.span_id, 8),
    parentSpanId: s.parent_span_id ? hex(s.parent_span_id, 8) : '',
    name: s.span_name,
    kind: 3,
    startTimeUnixNano: startNs.toString(),
    endTimeUnixNano: (startNs + BigInt(s.duration_ms) * 1_000_000n).toString(),
    attributes: attrs,
    status: { code: s.status_code === 'ERROR' ? 2 : 0, ...(s.error_message ? { message: s.error_message } : {}) },
  };
}

export function otlpJsonRequest(spans: readonly SpanRecord[], project: string): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', 'bench-app'), kv('tracelens.project.id', project), kv('deployment.environment.name', 'production')] },
        scopeSpans: [{ scope: { name: 'bench', version: '1.0.0' }, spans: spans.map(otlpSpan) }],
      },
    ],
  };
}

/** The same request in protobuf (ids as bytes). */
export function otlpProtobufRequest(json: Record<string, unknown>): Buffer {
  const bytes = (h: unknown) => Buffer.from(String(h), 'hex');
  const rs = (json.resourceSpans as { scopeSpans: { spans: Record<string, unknown>[] }[] }[]).map((r) => ({
    ...r,
    scopeSpans: r.scopeSpans.map((ss) => ({
      ...ss,
      spans: ss.spans.map((s) => ({ ...s, traceId: bytes(s.traceId), spanId: bytes(s.spanId), parentSpanId: bytes(s.parentSpanId) })),
    })),
  }));
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject({ resourceSpans: rs })).finish());
}

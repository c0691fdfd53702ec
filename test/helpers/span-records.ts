// SpanInput (test fixtures) -> SpanRecord, for tests that write through the real ingest writer.
import type { SpanRecord } from '../../src/storage/span-record.js';
import type { SpanInput } from './spans.js';

/** Defaults as the ingest validator would leave them. */
export function toRecord(s: SpanInput): SpanRecord {
  const str = (v: number | string | null | undefined) => (v === null || v === undefined ? null : String(v));
  return {
    ts: s.ts!,
    trace_id: s.trace_id,
    span_id: s.span_id,
    parent_span_id: s.parent_span_id ?? null,
    project_id: s.project_id ?? 'proj-a',
    span_name: s.span_name ?? 'llm.chat.completion',
    provider: s.provider ?? null,
    model: s.model ?? null,
    input_text: s.input_text ?? null,
    output_text: s.output_text ?? null,
    prompt_tokens: s.prompt_tokens ?? null,
    completion_tokens: s.completion_tokens ?? null,
    total_tokens: s.total_tokens ?? null,
    prompt_cost_usd: str(s.prompt_cost_usd),
    completion_cost_usd: str(s.completion_cost_usd),
    total_cost_usd: str(s.total_cost_usd),
    duration_ms: s.duration_ms ?? 0,
    ttft_ms: s.ttft_ms ?? null,
    status_code: (s.status_code ?? 'OK') as SpanRecord['status_code'],
    error_message: s.error_message ?? null,
    user_id: s.user_id ?? null,
    session_id: s.session_id ?? null,
    environment: s.environment ?? null,
    tags: s.tags ?? [],
    attributes: s.attributes ?? {},
  };
}

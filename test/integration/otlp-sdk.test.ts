// The real OpenTelemetry JS SDK exports spans with gen_ai.* attributes to a
// real tracelens server over OTLP/HTTP, protobuf and JSON, gzip and plain;
// what search returns equals what was exported.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachBackend, truncateSpans } from '../helpers/backends.js';
import { developerToken, otlpExporter, sdkPipeline, searchTrace, startOtlpServer, type OtlpServer, type Wire } from '../helpers/otlp.js';

const CASES: { wire: Wire; gzip: boolean; path: string }[] = [
  { wire: 'protobuf', gzip: false, path: '/v1/traces' },
  { wire: 'protobuf', gzip: true, path: '/v1/traces' },
  { wire: 'json', gzip: false, path: '/api/v1/otlp/v1/traces' },
  { wire: 'json', gzip: true, path: '/v1/traces' },
];

/** Microsecond RFC 3339 of an SDK HrTime: what timestamptz keeps. */
function hrToIso([s, ns]: [number, number]): string {
  return new Date(s * 1000 + Math.floor(ns / 1e6)).toISOString().replace('Z', `${String(Math.floor(ns / 1000) % 1000).padStart(3, '0')}Z`);
}

describeEachBackend('OTLP export from the OpenTelemetry SDK', (backend) => {
  let server: OtlpServer;
  let auth: Record<string, string>;

  beforeAll(async () => {
    server = await startOtlpServer(backend().driver);
    auth = await developerToken(['proj-otlp']);
  });
  afterAll(async () => server?.close());
  beforeEach(async () => truncateSpans(backend().driver));

  for (const c of CASES) {
    it(`stores what the SDK exported (${c.wire}, ${c.gzip ? 'gzip' : 'plain'}, ${c.path})`, async () => {
      const sdk = sdkPipeline(otlpExporter(server.base + c.path, auth, c.wire, c.gzip), {
        'service.name': 'checkout',
        'tracelens.project.id': 'proj-otlp',
        'deployment.environment.name': 'staging',
      });
      const tracer = sdk.provider.getTracer('test-instrumentation', '1.2.3');
      const root = tracer.startSpan('agent run', { kind: SpanKind.SERVER, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'user.id': 'u-42' } });
      const ctx = trace.setSpan(context.active(), root);
      const llm = tracer.startSpan(
        'chat gpt-4o-mini',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'OpenAI',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
            'gen_ai.usage.input_tokens': 1200,
            'gen_ai.usage.output_tokens': 300,
            'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Where is my parcel?' }] }]),
            'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'It ships tomorrow.' }], finish_reason: 'stop' }]),
            'gen_ai.request.temperature': 0.2,
            'session.id': 'sess-9',
            'tag.tags': ['support', 'beta'],
          },
        },
        ctx,
      );
      llm.end();
      const tool = tracer.startSpan('execute_tool lookup', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' } }, ctx);
      tool.recordException(new TypeError('order not found'));
      tool.setStatus({ code: SpanStatusCode.ERROR, message: 'lookup failed' });
      tool.end();
      root.end();
      await sdk.provider.forceFlush();
      const exported = sdk.memory.getFinishedSpans();
      await sdk.shutdown();

      expect(exported).toHaveLength(3);
      const traceId = root.spanContext().traceId;
      const stored = await searchTrace(server, auth, traceId);
      expect(stored).toHaveLength(3);
      const byId = new Map(stored.map((s) => [s.span_id as string, s]));
      const find = (name: string) => exported.find((s) => s.name === name) as ReadableSpan;

      for (const s of exported) {
        const row = byId.get(s.spanContext().spanId)!;
        expect(row).toMatchObject({
          trace_id: traceId,
          parent_span_id: s.parentSpanContext?.spanId ?? null,
          project_id: 'proj-otlp',
          span_name: s.name,
          environment: 'staging',
        });
        expect(new Date(row.ts as string).toISOString()).toBe(new Date(hrToIso(s.startTime)).toISOString());
        expect(row.duration_ms).toBe(Math.round(s.duration[0] * 1000 + s.duration[1] / 1e6));
        expect(row.attributes).toMatchObject({
          'otel.scope.name': 'test-instrumentation',
          'otel.scope.version': '1.2.3',
          resource: { 'service.name': 'checkout', 'tracelens.project.id': 'proj-otlp' },
        });
      }

      const llmRow = byId.get(find('chat gpt-4o-mini').spanContext().spanId)!;
      expect(llmRow).toMatchObject({
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        input_text: 'Where is my parcel?',
        output_text: 'It ships tomorrow.',
        prompt_tokens: 1200,
        completion_tokens: 300,
        total_tokens: 1500,
        status_code: 'UNSET',
        session_id: 'sess-9',
        tags: ['support', 'beta'],
      });
      // gpt-4o-mini: 0.15 / 0.60 USD per 1M tokens.
      expect(Number(llmRow.prompt_cost_usd)).toBeCloseTo(0.00018, 12);
      expect(Number(llmRow.completion_cost_usd)).toBeCloseTo(0.00018, 12);
      expect(Number(llmRow.total_cost_usd)).toBeCloseTo(0.00036, 12);
      expect(llmRow.attributes).toMatchObject({
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.model': 'gpt-4o-mini',
        'otel.span.kind': 'CLIENT',
        'tracelens.cost': { computed: true, entry: 'gpt-4o-mini', provider: 'openai' },
      });
      expect(llmRow.attributes).not.toHaveProperty(['gen_ai.input.messages']);

      const rootRow = byId.get(root.spanContext().spanId)!;
      expect(rootRow).toMatchObject({ parent_span_id: null, user_id: 'u-42', prompt_tokens: null, total_cost_usd: null });
      const toolRow = byId.get(find('execute_tool lookup').spanContext().spanId)!;
      expect(toolRow).toMatchObject({ status_code: 'ERROR', error_message: 'lookup failed' });
      expect((toolRow.attributes as Record<string, unknown>)['otel.events']).toEqual([
        expect.objectContaining({ name: 'exception', attributes: expect.objectContaining({ 'exception.type': 'TypeError', 'exception.message': 'order not found' }) }),
      ]);
    });
  }

  it('stores each span once when the same export is sent twice', async () => {
    const sdk = sdkPipeline(otlpExporter(`${server.base}/v1/traces`, auth, 'protobuf', false), { 'tracelens.project.id': 'proj-otlp' });
    const span = sdk.provider.getTracer('t').startSpan('once');
    span.end();
    await sdk.provider.forceFlush();
    // Re-send the very spans the SDK exported, through a second exporter.
    const again = otlpExporter(`${server.base}/v1/traces`, auth, 'protobuf', true);
    const result = await new Promise<{ code: number }>((resolve) => again.export(sdk.memory.getFinishedSpans(), resolve));
    expect(result.code).toBe(0);
    await sdk.shutdown();
    expect(await searchTrace(server, auth, span.spanContext().traceId)).toHaveLength(1);
  });
});

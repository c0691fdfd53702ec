// One suite for every LLM instrumentation: the real `openai` client calls the
// fake OpenAI server, the instrumentation records spans, the real SDK exports
// them to a real tracelens over OTLP/HTTP, and the stored spans must carry the
// right provider, model, tokens, cost, input and output text and status.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describeEachBackend, truncateSpans } from './backends.js';
import { FAKE_COMPLETION, QUESTION, startFakeOpenAI, type FakeOpenAI } from './fake-openai.js';
import { developerToken, searchTrace, startOtlpServer, type OtlpServer, type SdkPipeline } from './otlp.js';

export interface Instrumented {
  client: OpenAI;
  provider: BasicTracerProvider;
  /** Flushes what was recorded to tracelens. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface InstrumentationCase {
  name: string;
  /** Sets up tracing of the client: spans are exported to `otlpUrl` with `headers`. */
  setup(opts: { baseURL: string; otlpUrl: string; headers: Record<string, string>; project: string }): Promise<Instrumented>;
  /** Status the instrumentation gives a successful call (OK or UNSET). */
  okStatus: 'OK' | 'UNSET';
  /**
   * Whether it records a call that failed. With openai 6 the OpenLLMetry and
   * OpenInference wrappers end no span for a rejected call, so there is
   * nothing to export; Langfuse's wrapper does record one.
   */
  recordsFailures: boolean;
}

/** The `openai` client on the fake server, traced through `sdk`; `stop` undoes the instrumentation. */
export function tracedClient(baseURL: string, sdk: SdkPipeline, stop: () => void): Instrumented {
  return {
    client: new OpenAI({ apiKey: 'test-key', baseURL, maxRetries: 0 }),
    provider: sdk.provider,
    flush: () => sdk.provider.forceFlush(),
    close: async () => {
      stop();
      await sdk.shutdown();
    },
  };
}

export function describeInstrumentation(c: InstrumentationCase) {
  describeEachBackend(`OTLP from ${c.name}`, (backend) => {
    let server: OtlpServer;
    let fake: FakeOpenAI;
    let auth: Record<string, string>;
    let traced: Instrumented;

    beforeAll(async () => {
      server = await startOtlpServer(backend().driver);
      fake = await startFakeOpenAI();
      auth = await developerToken(['proj-llm']);
      traced = await c.setup({ baseURL: fake.baseURL, otlpUrl: `${server.base}/v1/traces`, headers: auth, project: 'proj-llm' });
    });
    afterAll(async () => {
      await traced?.close();
      await fake?.close();
      await server?.close();
    });
    beforeEach(async () => truncateSpans(backend().driver));

    const llmSpans = async () => {
      await traced.flush();
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v1/traces/search',
        headers: auth,
        payload: { from: 'now-1d', limit: 100, filter: { field: 'model', operator: 'ne', value: null } },
      });
      return res.json<{ data: Record<string, unknown>[] }>().data;
    };

    it('stores the model call with provider, model, tokens, cost, text and status', async () => {
      const completion = await traced.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }] });
      expect(completion.choices[0]!.message.content).toBe(FAKE_COMPLETION.answer);
      const spans = await llmSpans();
      expect(spans).toHaveLength(1);
      const s = spans[0]!;
      expect(s).toMatchObject({
        project_id: 'proj-llm',
        provider: 'openai',
        model: FAKE_COMPLETION.model,
        prompt_tokens: 1000,
        completion_tokens: 500,
        total_tokens: 1500,
        status_code: c.okStatus,
        error_message: null,
      });
      expect(s.input_text).toContain(QUESTION);
      expect(s.output_text).toContain(FAKE_COMPLETION.answer);
      // gpt-4o-mini at 0.15 / 0.60 USD per 1M tokens: 0.00015 + 0.0003.
      expect([s.prompt_cost_usd, s.completion_cost_usd, s.total_cost_usd].map(Number)).toEqual([0.00015, 0.0003, 0.00045]);
      // The whole trace is stored, and nothing in it counts the call's tokens twice.
      const trace = await searchTrace(server, auth, s.trace_id as string);
      expect(trace.reduce((sum, x) => sum + ((x.total_tokens as number | null) ?? 0), 0)).toBe(1500);
    });

    if (!c.recordsFailures) return;
    it('stores a failed call as an error with its message', async () => {
      await expect(traced.client.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: QUESTION }] })).rejects.toThrow();
      await traced.flush();
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v1/traces/search',
        headers: auth,
        payload: { from: 'now-1d', limit: 100, filter: { field: 'status_code', operator: 'eq', value: 'ERROR' } },
      });
      const spans = res.json<{ data: Record<string, unknown>[] }>().data;
      expect(spans.length).toBeGreaterThanOrEqual(1);
      expect(spans[0]!.error_message).toMatch(/broken|400/);
      expect(spans[0]!.input_text).toContain(QUESTION);
    });
  });
}

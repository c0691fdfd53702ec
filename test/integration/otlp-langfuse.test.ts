// Langfuse's OpenAI wrapper (@langfuse/openai): generations carry
// langfuse.observation.* attributes and are exported by Langfuse's span
// processor (@langfuse/otel) through an OTLP exporter pointed at tracelens.
import OpenAI from 'openai';
import { observeOpenAI } from '@langfuse/openai';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { setLangfuseTracerProvider } from '@langfuse/tracing';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { otlpExporter } from '../helpers/otlp.js';
import { describeInstrumentation } from '../helpers/instrumentation-suite.js';

describeInstrumentation({
  name: '@langfuse/openai with @langfuse/otel',
  okStatus: 'UNSET',
  recordsFailures: true,
  async setup({ baseURL, otlpUrl, headers, project }) {
    const processor = new LangfuseSpanProcessor({
      exporter: otlpExporter(otlpUrl, headers, 'json', true),
      exportMode: 'immediate',
      // Media upload talks to a Langfuse server; tracelens only needs the spans.
      mediaUploadEnabled: false,
    });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'llm-app', 'tracelens.project.id': project }),
      spanProcessors: [processor],
    });
    setLangfuseTracerProvider(provider);
    return {
      client: observeOpenAI(new OpenAI({ apiKey: 'test-key', baseURL, maxRetries: 0 })),
      provider,
      flush: () => provider.forceFlush(),
      close: async () => {
        setLangfuseTracerProvider(null);
        await provider.shutdown();
      },
    };
  },
});

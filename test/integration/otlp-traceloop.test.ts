// OpenLLMetry's current OpenAI instrumentation (GenAI semantic conventions:
// gen_ai.input.messages / gen_ai.output.messages).
import OpenAI from 'openai';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import { otlpExporter, sdkPipeline } from '../helpers/otlp.js';
import { describeInstrumentation } from '../helpers/instrumentation-suite.js';

describeInstrumentation({
  name: '@traceloop/instrumentation-openai (current)',
  okStatus: 'UNSET',
  recordsFailures: false,
  async setup({ baseURL, otlpUrl, headers, project }) {
    const sdk = sdkPipeline(otlpExporter(otlpUrl, headers, 'protobuf', true), { 'service.name': 'llm-app', 'tracelens.project.id': project });
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.setTracerProvider(sdk.provider);
    instrumentation.manuallyInstrument(OpenAI);
    return {
      client: new OpenAI({ apiKey: 'test-key', baseURL, maxRetries: 0 }),
      provider: sdk.provider,
      flush: () => sdk.provider.forceFlush(),
      close: async () => {
        instrumentation.disable();
        await sdk.shutdown();
      },
    };
  },
});

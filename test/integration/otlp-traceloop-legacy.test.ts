// OpenLLMetry's OpenAI instrumentation before the GenAI message attributes
// (0.22): gen_ai.prompt.N.* / gen_ai.completion.N.*, gen_ai.usage.prompt_tokens,
// llm.usage.total_tokens. Installed under an npm alias next to the current one.
import OpenAI from 'openai';
import { OpenAIInstrumentation } from 'traceloop-instrumentation-openai-legacy';
import { otlpExporter, sdkPipeline } from '../helpers/otlp.js';
import { describeInstrumentation } from '../helpers/instrumentation-suite.js';

describeInstrumentation({
  name: '@traceloop/instrumentation-openai 0.22 (legacy attributes)',
  okStatus: 'UNSET',
  recordsFailures: false,
  async setup({ baseURL, otlpUrl, headers, project }) {
    const sdk = sdkPipeline(otlpExporter(otlpUrl, headers, 'json', false), { 'service.name': 'llm-app', 'tracelens.project.id': project });
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

// Arize OpenInference's OpenAI instrumentation: llm.model_name, llm.token_count.*,
// llm.input_messages.N.message.*, input.value / output.value. The project comes
// from the openinference.project.name resource attribute.
import OpenAI from 'openai';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { otlpExporter, sdkPipeline } from '../helpers/otlp.js';
import { describeInstrumentation, tracedClient } from '../helpers/instrumentation-suite.js';

describeInstrumentation({
  name: '@arizeai/openinference-instrumentation-openai',
  okStatus: 'OK',
  recordsFailures: false,
  async setup({ baseURL, otlpUrl, headers, project }) {
    const sdk = sdkPipeline(otlpExporter(otlpUrl, headers, 'protobuf', false), { 'service.name': 'llm-app', 'openinference.project.name': project });
    const instrumentation = new OpenAIInstrumentation({ tracerProvider: sdk.provider });
    // It patches module.OpenAI and marks the module object: hand it a plain one.
    instrumentation.manuallyInstrument({ OpenAI } as never);
    return tracedClient(baseURL, sdk, () => instrumentation.disable());
  },
});

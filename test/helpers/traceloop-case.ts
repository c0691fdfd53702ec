// OpenLLMetry's OpenAI instrumentation, any version: it patches the OpenAI
// class itself (manuallyInstrument), as ESM code must.
import OpenAI from 'openai';
import type { TracerProvider } from '@opentelemetry/api';
import { otlpExporter, sdkPipeline, type Wire } from './otlp.js';
import { describeInstrumentation, tracedClient } from './instrumentation-suite.js';

interface TraceloopInstrumentation {
  setTracerProvider(provider: TracerProvider): void;
  manuallyInstrument(module: unknown): void;
  disable(): void;
}

export function describeTraceloop(name: string, make: () => TraceloopInstrumentation, wire: Wire) {
  describeInstrumentation({
    name,
    okStatus: 'UNSET',
    recordsFailures: false,
    async setup({ baseURL, otlpUrl, headers, project }) {
      const sdk = sdkPipeline(otlpExporter(otlpUrl, headers, wire, wire === 'protobuf'), { 'service.name': 'llm-app', 'tracelens.project.id': project });
      const instrumentation = make();
      instrumentation.setTracerProvider(sdk.provider);
      instrumentation.manuallyInstrument(OpenAI);
      return tracedClient(baseURL, sdk, () => instrumentation.disable());
    },
  });
}

// OpenLLMetry's OpenAI instrumentation before the GenAI message attributes
// (0.22): gen_ai.prompt.N.* / gen_ai.completion.N.*, gen_ai.usage.prompt_tokens,
// llm.usage.total_tokens. Installed under an npm alias next to the current
// one; exported as plain OTLP/JSON.
import { OpenAIInstrumentation } from 'traceloop-instrumentation-openai-legacy';
import { describeTraceloop } from '../helpers/traceloop-case.js';

describeTraceloop('@traceloop/instrumentation-openai 0.22 (legacy attributes)', () => new OpenAIInstrumentation(), 'json');

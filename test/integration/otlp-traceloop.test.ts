// OpenLLMetry's current OpenAI instrumentation (GenAI semantic conventions:
// gen_ai.input.messages / gen_ai.output.messages), exported as gzip protobuf.
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import { describeTraceloop } from '../helpers/traceloop-case.js';

describeTraceloop('@traceloop/instrumentation-openai (current)', () => new OpenAIInstrumentation(), 'protobuf');

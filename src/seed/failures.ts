// Real-looking failures of LLM calls, with how long such a failure takes.
import type { ModelSpec } from './catalog.js';
import type { Rng } from './prng.js';

export interface Failure {
  message: string;
  durationMs: number;
}

type FailureKind = { weight: number; make: (rng: Rng, m: ModelSpec, promptTokens: number) => Failure };

const fast = (rng: Rng) => rng.int(25, 400);

const KINDS: readonly FailureKind[] = [
  {
    weight: 35,
    make: (rng, m) => ({
      durationMs: fast(rng),
      message:
        m.provider === 'anthropic'
          ? 'rate_limit_error: Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits)'
          : `Rate limit reached for ${m.model} in organization org-${rng.hex(12)} on tokens per min (TPM): Limit 30000, Used ${rng.int(28000, 29999)}, Requested ${rng.int(500, 4000)}. Please try again in ${rng.int(1, 20) / 10 + 0.2}s.`,
    }),
  },
  {
    weight: 15,
    make: (rng, m, promptTokens) => ({
      durationMs: fast(rng),
      message: `This model's maximum context length is ${m.contextTokens} tokens. However, your messages resulted in ${m.contextTokens + Math.max(1, promptTokens % 9000)} tokens. Please reduce the length of the messages.`,
    }),
  },
  {
    weight: 20,
    make: (rng) => {
      const limit = rng.pick([30_000, 60_000, 120_000]);
      return { durationMs: limit + rng.int(0, 40), message: `Request timed out after ${limit} ms` };
    },
  },
  {
    weight: 8,
    make: (rng, m) => ({
      durationMs: fast(rng),
      message:
        m.provider === 'openai'
          ? `Incorrect API key provided: sk-proj-****${rng.hex(4)}. You can find your API key at https://platform.openai.com/account/api-keys.`
          : 'authentication_error: invalid x-api-key',
    }),
  },
  {
    weight: 7,
    make: (rng) => ({
      durationMs: rng.int(300, 2500),
      message: "The response was filtered due to the prompt triggering the content management policy (content_filter). Please modify your prompt and retry.",
    }),
  },
  {
    weight: 10,
    make: (rng, m) => ({
      durationMs: rng.int(200, 3000),
      message:
        m.provider === 'anthropic'
          ? 'overloaded_error: Overloaded'
          : m.provider === 'google'
            ? '503 Service Unavailable: The model is overloaded. Please try again later.'
            : 'The server had an error while processing your request. Sorry about that!',
    }),
  },
  {
    weight: 5,
    make: (rng) => ({
      durationMs: rng.int(5, 80),
      message: `Invalid JSON in tool arguments: Unexpected token } in JSON at position ${rng.int(10, 900)}`,
    }),
  },
];

const TOTAL = KINDS.reduce((s, k) => s + k.weight, 0);

export function drawFailure(rng: Rng, model: ModelSpec, promptTokens: number): Failure {
  let u = rng.float() * TOTAL;
  for (const k of KINDS) {
    u -= k.weight;
    if (u < 0) return k.make(rng, model, promptTokens);
  }
  return KINDS[0]!.make(rng, model, promptTokens);
}

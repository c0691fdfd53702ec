// Real providers and models with their list prices (USD per 1M tokens, late
// 2024), traffic share and latency shape. Prices are kept in units of
// 0.0001 USD per 1M tokens so a cost is tokens * price * 10^-10 USD exactly.

export interface ModelSpec {
  provider: string;
  model: string;
  /** Share of LLM calls. */
  weight: number;
  /** Input and output price, in 0.0001 USD per 1M tokens (2.50 USD -> 25000). */
  inPrice: number;
  outPrice: number;
  contextTokens: number;
  ttftMedianMs: number;
  msPerToken: number;
}

const m = (
  provider: string,
  model: string,
  weight: number,
  inUsd: number,
  outUsd: number,
  contextTokens: number,
  ttftMedianMs: number,
  msPerToken: number,
): ModelSpec => ({
  provider,
  model,
  weight,
  inPrice: Math.round(inUsd * 10_000),
  outPrice: Math.round(outUsd * 10_000),
  contextTokens,
  ttftMedianMs,
  msPerToken,
});

export const CHAT_MODELS: readonly ModelSpec[] = [
  m('openai', 'gpt-4o-mini', 25, 0.15, 0.6, 128_000, 320, 9),
  m('openai', 'gpt-4o', 18, 2.5, 10, 128_000, 450, 14),
  m('openai', 'o3-mini', 6, 1.1, 4.4, 200_000, 2_200, 8),
  m('anthropic', 'claude-3-5-sonnet-20241022', 15, 3, 15, 200_000, 700, 16),
  m('anthropic', 'claude-3-haiku-20240307', 8, 0.25, 1.25, 200_000, 380, 7),
  m('anthropic', 'claude-3-opus-20240229', 1, 15, 75, 200_000, 1_400, 30),
  m('google', 'gemini-1.5-flash', 9, 0.075, 0.3, 1_000_000, 300, 5),
  m('google', 'gemini-1.5-pro', 5, 1.25, 5, 2_000_000, 800, 13),
  m('mistral', 'mistral-large-latest', 3, 2, 6, 128_000, 500, 15),
  m('mistral', 'mistral-small-latest', 4, 0.2, 0.6, 32_000, 280, 8),
  m('groq', 'llama-3.1-70b-versatile', 3, 0.59, 0.79, 128_000, 180, 4),
];

export const EMBEDDING_MODELS: readonly ModelSpec[] = [
  m('openai', 'text-embedding-3-small', 3, 0.02, 0, 8_191, 60, 0),
  m('openai', 'text-embedding-3-large', 1, 0.13, 0, 8_191, 90, 0),
];

export const PROJECT_NAMES = [
  'support-bot',
  'search-assistant',
  'code-review',
  'sales-copilot',
  'doc-qa',
  'internal-tools',
  'marketing-writer',
  'data-analyst',
];

export const FEATURES = ['chat', 'summarize', 'classify', 'extract', 'translate', 'autocomplete', 'qa', 'rewrite', 'sql_gen', 'triage'];
export const TAGS = ['chat', 'rag', 'agent', 'beta', 'experiment:prompt-v2', 'priority', 'batch', 'streaming', 'eval', 'customer-facing'];
export const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'];
export const TOOLS = ['web_search', 'sql_query', 'calculator', 'get_weather', 'send_email', 'read_file', 'create_ticket'];
export const TIERS: readonly [string, number][] = [
  ['free', 60],
  ['pro', 30],
  ['enterprise', 10],
];
export const ENVIRONMENTS: readonly [string, number][] = [
  ['production', 80],
  ['staging', 14],
  ['development', 6],
];

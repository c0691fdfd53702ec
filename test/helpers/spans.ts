// Fixture builders: a valid span with sensible defaults, overridden per test.
export interface SpanInput {
  ts?: string;
  trace_id: string;
  span_id: string;
  parent_span_id?: string | null;
  project_id?: string;
  span_name?: string;
  provider?: string | null;
  model?: string | null;
  input_text?: string | null;
  output_text?: string | null;
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_cost_usd?: number | string | null;
  completion_cost_usd?: number | string | null;
  total_cost_usd?: number | string | null;
  duration_ms?: number;
  ttft_ms?: number | null;
  status_code?: string;
  error_message?: string | null;
  user_id?: string | null;
  session_id?: string | null;
  environment?: string | null;
  tags?: string[];
  attributes?: Record<string, unknown>;
}

let counter = 0;

export function span(overrides: Partial<SpanInput> = {}): SpanInput {
  counter++;
  return {
    ts: new Date(Date.UTC(2026, 10, 1, 12, 0, counter % 60)).toISOString(),
    trace_id: `trace-${counter}`,
    span_id: `span-${counter}`,
    project_id: 'proj-a',
    span_name: 'llm.chat.completion',
    provider: 'openai',
    model: 'gpt-4o',
    input_text: 'What is the capital of France?',
    output_text: 'Paris.',
    prompt_tokens: 12,
    completion_tokens: 3,
    total_tokens: 15,
    prompt_cost_usd: '0.00003',
    completion_cost_usd: '0.00003',
    total_cost_usd: '0.00006',
    duration_ms: 420,
    ttft_ms: 120,
    status_code: 'OK',
    user_id: 'user-1',
    session_id: 'session-1',
    environment: 'production',
    tags: ['chat'],
    attributes: { feature: 'qa' },
    ...overrides,
  };
}

const INSERT_COLUMNS = [
  'ts', 'trace_id', 'span_id', 'parent_span_id', 'project_id', 'span_name', 'provider', 'model', 'input_text',
  'output_text', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'prompt_cost_usd', 'completion_cost_usd',
  'total_cost_usd', 'duration_ms', 'ttft_ms', 'status_code', 'error_message', 'user_id', 'session_id', 'environment',
  'tags', 'attributes',
] as const;

/** Inserts spans straight into the table (bypassing the API) for read tests. */
export async function insertSpans(
  db: { query(sql: string, params?: readonly unknown[]): Promise<unknown> },
  spans: readonly SpanInput[],
): Promise<void> {
  for (const s of spans) {
    const values = INSERT_COLUMNS.map((c) => {
      const v = (s as unknown as Record<string, unknown>)[c];
      if (c === 'attributes') return JSON.stringify(v ?? {});
      if (c === 'tags') return v ?? [];
      return v ?? null;
    });
    const placeholders = INSERT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    await db.query(`INSERT INTO llm_traces (${INSERT_COLUMNS.join(', ')}) VALUES (${placeholders})`, values);
  }
}

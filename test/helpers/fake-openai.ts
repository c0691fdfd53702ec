// A fake OpenAI-compatible API on 127.0.0.1: POST /v1/chat/completions answers
// one fixed completion (or a 400 when the model is "broken"), so the real
// `openai` client and the real instrumentations around it run unchanged.
import { createServer, type Server } from 'node:http';

export const FAKE_COMPLETION = {
  model: 'gpt-4o-mini-2024-07-18',
  answer: 'The capital of France is Paris.',
  usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
};

export interface FakeOpenAI {
  baseURL: string;
  close(): Promise<void>;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const request = JSON.parse(body || '{}') as { model?: string };
      res.setHeader('content-type', 'application/json');
      if (req.url !== '/v1/chat/completions' || request.model === 'broken') {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: { message: 'The model `broken` does not exist', type: 'invalid_request_error', code: 'model_not_found' } }));
        return;
      }
      res.end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: FAKE_COMPLETION.model,
          choices: [{ index: 0, message: { role: 'assistant', content: FAKE_COMPLETION.answer, refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: { ...FAKE_COMPLETION.usage, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export const QUESTION = 'What is the capital of France?';

import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { ROLE_PERMISSIONS } from '../../src/auth/principal.js';
import { AppError } from '../../src/errors.js';
import { addDecimals, numberToDecimal } from '../../src/ingest/decimal.js';
import { uniqueSorted } from '../../src/ingest/ingest-batch.js';
import { validateBatch } from '../../src/ingest/validate-batch.js';
import { span } from '../helpers/spans.js';

const dev: Principal = {
  sub: 'u',
  orgId: null,
  role: 'developer',
  permissions: new Set(ROLE_PERMISSIONS.developer),
  projects: ['proj-a'],
  tokenId: null,
};

function reject(body: unknown): AppError {
  try {
    validateBatch(body, dev, 100);
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('cost decimals', () => {
  it('turns JSON numbers into their shortest exact decimal text', () => {
    expect(numberToDecimal(0.00003)).toBe('0.00003');
    expect(numberToDecimal(1e-7)).toBe('0.0000001');
    expect(numberToDecimal(1.5e-8)).toBe('0.000000015');
    expect(numberToDecimal(2e21)).toBe('2000000000000000000000');
    expect(numberToDecimal(0.1 + 0.2)).toBe('0.30000000000000004');
  });
  it('adds decimals exactly', () => {
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(addDecimals('0.0000025', '12')).toBe('12.0000025');
    expect(addDecimals('999999999.9999999999', '0.0000000001')).toBe('1000000000.0000000000');
  });
});

describe('validateBatch', () => {
  it('derives totals from present parts and leaves explicit totals alone', () => {
    const [a, b, c] = validateBatch(
      [
        span({ prompt_tokens: 10, completion_tokens: null, total_tokens: null, prompt_cost_usd: '0.1', completion_cost_usd: 0.2, total_cost_usd: null }),
        span({ prompt_tokens: null, completion_tokens: null, total_tokens: null, prompt_cost_usd: null, completion_cost_usd: null, total_cost_usd: null }),
        span({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 7, total_cost_usd: '5' }),
      ],
      dev,
      100,
    );
    expect([a!.total_tokens, a!.total_cost_usd]).toEqual([10, '0.3']);
    expect([b!.total_tokens, b!.total_cost_usd]).toEqual([null, null]);
    expect([c!.total_tokens, c!.total_cost_usd]).toEqual([7, '5']);
  });

  it('normalizes status case, empty parent ids and epoch-millisecond timestamps', () => {
    const [r] = validateBatch([span({ status_code: 'error', parent_span_id: '', ts: 1767225600000 as unknown as string })], dev, 100);
    expect(r).toMatchObject({ status_code: 'ERROR', parent_span_id: null, ts: '2026-01-01T00:00:00.000Z', project_id: 'proj-a' });
  });

  it('reports several problems with paths, capped', () => {
    const e = reject([span({ duration_ms: -1, ttft_ms: 'fast' as unknown as number }), span({ tags: 'x' as unknown as string[] })]);
    expect(e.code).toBe('INVALID_SPAN');
    expect((e.details as { path: string }[]).map((d) => d.path)).toEqual(['spans[0].duration_ms', 'spans[0].ttft_ms', 'spans[1].tags']);
    const many = reject(Array.from({ length: 50 }, () => span({ duration_ms: -1 })));
    expect((many.details as unknown[]).length).toBe(20);
  });

  it('bounds attribute nesting without recursion', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    expect(reject([span({ attributes: deep })]).message).toContain('nests deeper than');
  });

  it('rejects a non-object span and a null body', () => {
    expect(reject([42]).message).toContain('spans[0] must be a JSON object');
    expect(reject(null).code).toBe('INVALID_BATCH');
  });
});

describe('uniqueSorted', () => {
  it('keeps the first occurrence of each identity, in key order', () => {
    const rows = validateBatch(
      [span({ trace_id: 'b', span_id: '1', model: 'm1' }), span({ trace_id: 'a', span_id: '1' }), span({ trace_id: 'b', span_id: '1', model: 'm2' })],
      dev,
      100,
    );
    expect(uniqueSorted(rows).map((r) => [r.trace_id, r.model])).toEqual([
      ['a', 'gpt-4o'],
      ['b', 'm1'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { filterShape, paramsShape, shapeFingerprint } from '../../src/metrics/query-shape.js';
import { createQueryMonitor } from '../../src/storage/observe.js';

describe('filterShape', () => {
  it('keeps fields, operators and nesting, drops every value', () => {
    const shape = filterShape({
      operator: 'and',
      filters: [
        { field: 'provider', operator: 'eq', value: 'openai' },
        { field: 'input_text', operator: 'SEARCH', value: 'password reset' },
        { operator: 'NOT', filters: [{ field: 'tags', operator: 'contains', value: 'internal' }] },
        { field: 'model', operator: 'in', value: ['gpt-4o', 'gpt-4o-mini'] },
      ],
    });
    expect(shape).toBe('AND(provider:eq,input_text:search,NOT(tags:contains),model:in)');
    expect(shape).not.toMatch(/openai|password|internal|gpt/);
  });

  it('does not echo field names that are not plain identifiers', () => {
    expect(filterShape({ field: "x' OR 1=1 --", operator: 'eq', value: 1 })).toBe('?:eq');
    expect(filterShape({ field: 'attributes.user.tier', operator: 'eq', value: 'gold' })).toBe('attributes.user.tier:eq');
    expect(filterShape('provider = openai')).toBe('?');
    expect(filterShape(null)).toBe('-');
  });

  it('stops at a depth bound instead of recursing without end', () => {
    let node: unknown = { field: 'model', operator: 'eq', value: 'm' };
    for (let i = 0; i < 100; i++) node = { operator: 'NOT', filters: [node] };
    expect(filterShape(node)).toContain('?');
  });

  it('fingerprints equal shapes equally and different shapes differently', () => {
    const a = filterShape({ field: 'provider', operator: 'eq', value: 'openai' });
    const b = filterShape({ field: 'provider', operator: 'eq', value: 'anthropic' });
    expect(shapeFingerprint(a)).toBe(shapeFingerprint(b));
    expect(shapeFingerprint(a)).not.toBe(shapeFingerprint(filterShape({ field: 'provider', operator: 'ne', value: 'x' })));
    expect(paramsShape({ search: 'secret words', provider: 'openai', limit: '5' })).toBe('limit,provider,search');
  });
});

describe('query monitor', () => {
  function capture(slowQueryMs: number) {
    const lines: Record<string, unknown>[] = [];
    const monitor = createQueryMonitor({ slowQueryMs, log: { warn: (obj) => void lines.push(obj) } });
    return { observe: monitor.observe, lines };
  }

  it('logs statements at or above SLOW_QUERY_MS, not the faster ones', () => {
    const { observe, lines } = capture(100);
    observe('list', 99.9, true, { requestId: 'r1' });
    observe('search', 100, true, { requestId: 'r2', shape: 'AND(provider:eq)' });
    observe('trace', 2500, false);
    expect(lines).toEqual([
      { kind: 'search', duration_ms: 100, slow_query_ms: 100, ok: true, request_id: 'r2', shape: 'AND(provider:eq)', shape_fp: shapeFingerprint('AND(provider:eq)') },
      { kind: 'trace', duration_ms: 2500, slow_query_ms: 100, ok: false, request_id: null, shape: null, shape_fp: null },
    ]);
  });

  it('SLOW_QUERY_MS=0 turns the slow log off', () => {
    const { observe, lines } = capture(0);
    observe('search', 60_000, true);
    expect(lines).toEqual([]);
  });
});

// Validation: every problem is a 400 naming the JSON path of the offending node.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { LIMITS } from '../../src/query/limits.js';
import { validateFilter } from '../../src/query/validate.js';
import { parseIsoTimestamp, parseTimeBound, resolveTimeBound } from '../../src/query/time.js';
import { parseAttributePath } from '../../src/query/attribute-path.js';

function pathOf(wire: unknown): string {
  try {
    validateFilter(wire);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect(['INVALID_FILTER', 'UNSUPPORTED_REGEX']).toContain((e as AppError).code);
    return ((e as AppError).details as { path: string }).path;
  }
  throw new Error('expected a validation error');
}

const ok = { field: 'provider', operator: 'eq', value: 'a' };
const and = (...filters: unknown[]) => ({ operator: 'AND', filters });

describe('validateFilter', () => {
  it.each([
    ['unknown field', and(ok, ok, { field: 'DROP TABLE x', operator: 'eq', value: 1 }), 'filter.filters[2].field'],
    ['attributes without a path', { field: 'attributes', operator: 'eq', value: 1 }, 'filter.field'],
    ['bad attributes path', { field: 'attributes.a..b', operator: 'eq', value: 1 }, 'filter.field'],
    ['too deep attributes path', { field: `attributes.${'k.'.repeat(9)}k`, operator: 'eq', value: 1 }, 'filter.field'],
    ['unknown operator', and(ok, { field: 'provider', operator: 'like', value: 'a' }), 'filter.filters[1].operator'],
    ['operator not for type', { field: 'provider', operator: 'gt', value: 'a' }, 'filter.operator'],
    ['regex on a number field', { field: 'duration_ms', operator: 'regex', value: '1' }, 'filter.operator'],
    ['search on a number field', { field: 'duration_ms', operator: 'search', value: 'x' }, 'filter.operator'],
    ['content without search', { field: 'content', operator: 'eq', value: 'x' }, 'filter.operator'],
    ['missing value', { field: 'provider', operator: 'eq' }, 'filter.value'],
    ['wrong value type', and(ok, ok, { field: 'provider', operator: 'eq', value: 5 }), 'filter.filters[2].value'],
    ['object as value', { field: 'duration_ms', operator: 'eq', value: { $gt: 1 } }, 'filter.value'],
    ['fraction for an integer', { field: 'duration_ms', operator: 'gt', value: 1.5 }, 'filter.value'],
    ['unsafe integer', { field: 'duration_ms', operator: 'gt', value: 2 ** 60 }, 'filter.value'],
    ['numeric string for a number', { field: 'total_cost_usd', operator: 'gt', value: '0.1' }, 'filter.value'],
    ['invalid date', { field: 'ts', operator: 'gt', value: '2026-02-30T00:00:00Z' }, 'filter.value'],
    ['not a date', { field: 'ts', operator: 'gt', value: 'yesterday' }, 'filter.value'],
    ['null for gt', { field: 'ts', operator: 'gt', value: null }, 'filter.value'],
    ['NOT with two children', { operator: 'not', filters: [ok, ok] }, 'filter.filters'],
    ['NOT with none', { operator: 'NOT', filters: [] }, 'filter.filters'],
    ['empty AND', { operator: 'and', filters: [] }, 'filter.filters'],
    ['empty OR', and(ok, { operator: 'or', filters: [] }), 'filter.filters[1].filters'],
    ['filters not an array', { operator: 'or', filters: {} }, 'filter.filters'],
    ['bad logical operator', { operator: 'XOR', filters: [ok] }, 'filter.operator'],
    ['empty IN', { field: 'provider', operator: 'in', value: [] }, 'filter.value'],
    ['null in IN', { field: 'provider', operator: 'in', value: ['a', null] }, 'filter.value[1]'],
    ['IN too long', { field: 'provider', operator: 'in', value: Array(LIMITS.maxInList + 1).fill('a') }, 'filter.value'],
    ['string too long', { field: 'provider', operator: 'eq', value: 'x'.repeat(LIMITS.maxString + 1) }, 'filter.value'],
    ['regex too long', { field: 'provider', operator: 'regex', value: 'a'.repeat(LIMITS.maxRegex + 1) }, 'filter.value'],
    ['invalid regex', { field: 'provider', operator: 'regex', value: '(ab' }, 'filter.value'],
    ['trailing backslash regex', { field: 'provider', operator: 'regex', value: 'ab\\' }, 'filter.value'],
    ['unterminated bracket', { field: 'provider', operator: 'regex', value: '[a-' }, 'filter.value'],
    ['NUL byte', { field: 'provider', operator: 'eq', value: 'a\u0000b' }, 'filter.value'],
    ['lone surrogate', { field: 'provider', operator: 'eq', value: 'a\uD800' }, 'filter.value'],
    ['empty search', { field: 'content', operator: 'search', value: '  ' }, 'filter.value'],
    ['extra key in leaf', { ...ok, sql: 'x' }, 'filter.sql'],
    ['extra key in group', { operator: 'and', filters: [ok], junk: 1 }, 'filter.junk'],
    ['hostile key name', { ...ok, "a'; DROP": 1 }, `filter.["a'; DROP"]`],
    ['a string node', and(ok, 'provider = 1'), 'filter.filters[1]'],
    ['NaN-like infinity', { field: 'total_cost_usd', operator: 'gt', value: Infinity }, 'filter.value'],
    ['non-number attribute ordering', { field: 'attributes.n', operator: 'gt', value: 'a' }, 'filter.value'],
  ])('%s', (_name, wire, path) => {
    expect(pathOf(wire)).toBe(path);
  });

  it('rejects a 10,000-deep NOT chain without recursing', () => {
    let node: unknown = ok;
    for (let i = 0; i < 10_000; i++) node = { operator: 'NOT', filters: [node] };
    expect(pathOf(node)).toMatch(/^filter(\.filters\[0\]){11}\.filters$/);
  });

  it('rejects a 10,000-leaf tree by node count', () => {
    expect(pathOf(and(...Array(10_000).fill(ok)))).toBe('filter.filters');
    const wide = and(...Array(100).fill(and(ok, ok)));
    expect(pathOf(wide)).toMatch(/^filter\.filters\[\d+\]/);
  });

  it('accepts the limits exactly', () => {
    let node: unknown = ok;
    for (let i = 1; i < LIMITS.maxDepth; i++) node = { operator: 'not', filters: [node] };
    expect(() => validateFilter(node)).not.toThrow();
    expect(() => validateFilter({ field: 'provider', operator: 'in', value: Array(LIMITS.maxInList).fill('a') })).not.toThrow();
  });

  it('reads operator names case-insensitively', () => {
    expect(validateFilter({ operator: 'Or', filters: [{ field: 'provider', operator: 'EQ', value: 'a' }] }).kind).toBe('or');
  });
});

describe('attribute paths', () => {
  it('parses bare and quoted keys', () => {
    expect(parseAttributePath('user.tier')).toEqual(['user', 'tier']);
    expect(parseAttributePath('"k8s.pod".name')).toEqual(['k8s.pod', 'name']);
    expect(parseAttributePath('"say \\"hi\\""')).toEqual(['say "hi"']);
    expect(parseAttributePath("a->>'b'")).toEqual(["a->>'b'"]);
    expect(parseAttributePath('a.')).toHaveProperty('error');
    expect(parseAttributePath('"a"b')).toHaveProperty('error');
  });
});

describe('time bounds', () => {
  it('accepts strict ISO 8601 and relative now-<n><unit>', () => {
    expect(parseIsoTimestamp('2026-01-01T01:00:00+01:00')).toBe('2026-01-01T00:00:00.000Z');
    expect(parseIsoTimestamp('2026-01-01')).toBe('2026-01-01T00:00:00.000Z');
    expect(parseIsoTimestamp('2026-13-01')).toBeNull();
    expect(parseIsoTimestamp('2026-01-01T00:00:00.1234Z')).toBeNull();
    expect(parseTimeBound('now-7d')).toBe('now-7d');
    expect(parseTimeBound('now-1y')).toBeNull();
    expect(resolveTimeBound('now-1h', Date.UTC(2026, 0, 1, 12))).toBe('2026-01-01T11:00:00.000Z');
  });
});

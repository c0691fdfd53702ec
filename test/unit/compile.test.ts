// Exact SQL and params for every operator, NOT, nesting and attribute paths.
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../src/query/compile.js';
import { normalize } from '../../src/query/normalize.js';
import { validateFilter } from '../../src/query/validate.js';

const sql = (wire: unknown) => compileFilter(normalize(validateFilter(wire)));
const leaf = (field: string, operator: string, value: unknown) => sql({ field, operator, value });

describe('compile: one predicate per operator', () => {
  it.each([
    ['provider', 'eq', 'openai', 'provider = $1::text', ['openai']],
    ['provider', 'ne', 'openai', '(provider = $1::text) IS NOT TRUE', ['openai']],
    ['provider', 'eq', null, 'provider IS NULL', []],
    ['provider', 'ne', null, 'provider IS NOT NULL', []],
    ['status_code', 'ne', 'OK', 'NOT (status_code = $1::text)', ['OK']],
    ['provider', 'in', ['a', 'b', 'a'], 'provider = ANY($1::text[])', [['a', 'b']]],
    ['provider', 'not_in', ['a'], '(provider = ANY($1::text[])) IS NOT TRUE', [['a']]],
    ['model', 'contains', '50%_\\x', 'model COLLATE "C" ILIKE $1::text', ['%50\\%\\_\\\\x%']],
    ['model', 'not_contains', 'gpt', '(model COLLATE "C" ILIKE $1::text) IS NOT TRUE', ['%gpt%']],
    ['model', 'starts_with', 'gpt', 'model COLLATE "C" ILIKE $1::text', ['gpt%']],
    ['model', 'ends_with', 'mini', 'model COLLATE "C" ILIKE $1::text', ['%mini']],
    ['model', 'regex', '^gpt-[0-9]', 'model COLLATE "C" ~ $1::text', ['^gpt-[0-9]']],
    ['input_text', 'search', 'auth error', "input_tsv @@ websearch_to_tsquery('english', $1::text)", ['auth error']],
    ['output_text', 'search', 'x', "output_tsv @@ websearch_to_tsquery('english', $1::text)", ['x']],
    ['content', 'search', '"a b" -c', "search_tsv @@ websearch_to_tsquery('english', $1::text)", ['"a b" -c']],
    ['error_message', 'search', 'x', "search_tsv @@ websearch_to_tsquery('english', $1::text)", ['x']],
    ['duration_ms', 'gt', 1000, 'duration_ms > $1::bigint', [1000]],
    ['duration_ms', 'gte', 1000, 'duration_ms >= $1::bigint', [1000]],
    ['ttft_ms', 'lt', 5, 'ttft_ms < $1::bigint', [5]],
    ['ttft_ms', 'lte', 5, 'ttft_ms <= $1::bigint', [5]],
    ['total_tokens', 'in', [1, 2], 'total_tokens = ANY($1::bigint[])', [[1, 2]]],
    ['total_cost_usd', 'gt', 0.1, 'total_cost_usd > $1::numeric', ['0.1']],
    ['total_cost_usd', 'eq', 1e-7, 'total_cost_usd = $1::numeric', ['1e-7']],
    ['ts', 'gte', '2026-01-01T01:00:00+01:00', 'ts >= $1::timestamptz', ['2026-01-01T00:00:00.000Z']],
    ['tags', 'contains', 'prod', 'tags @> $1::text[]', [['prod']]],
    ['tags', 'contains', ['a', 'b'], 'tags @> $1::text[]', [['a', 'b']]],
    ['tags', 'eq', 'prod', 'tags @> $1::text[]', [['prod']]],
    ['tags', 'ne', 'prod', 'NOT (tags @> $1::text[])', [['prod']]],
    ['tags', 'in', ['a', 'b'], 'tags && $1::text[]', [['a', 'b']]],
    ['tags', 'not_contains', 'x', 'NOT (tags @> $1::text[])', [['x']]],
  ])('%s %s %j', (field, op, value, wantSql, wantParams) => {
    expect(leaf(field, op, value)).toEqual({ sql: wantSql, params: wantParams });
  });
});

describe('compile: attributes', () => {
  it('walks nested keys with one parameter per key, behind a containment probe the GIN index serves', () => {
    expect(leaf('attributes.user.tier', 'eq', 'pro')).toEqual({
      sql: '(attributes @> $1::jsonb AND (attributes -> $2::text -> $3::text) = $4::jsonb)',
      params: ['{"user":{"tier":"pro"}}', 'user', 'tier', '"pro"'],
    });
  });
  it('addresses a key containing a dot with a quoted segment', () => {
    expect(leaf('attributes."k8s.pod".name', 'eq', 5).params).toEqual(['{"k8s.pod":{"name":5}}', 'k8s.pod', 'name', '5']);
  });
  it('compares numbers and booleans typed', () => {
    expect(leaf('attributes.flag', 'eq', true).params).toEqual(['{"flag":true}', 'flag', 'true']);
    expect(leaf('attributes.n', 'gt', 2.5)).toEqual({
      sql:
        '(EXISTS (SELECT 1 FROM llm_trace_attribute_numbers WHERE llm_trace_attribute_numbers.attr_path = $1::text[]' +
        ' AND llm_trace_attribute_numbers.attr_value > $2::numeric AND llm_trace_attribute_numbers.span_ts = ts AND llm_trace_attribute_numbers.span_pk = id)' +
        " AND CASE WHEN jsonb_typeof((attributes -> $3::text)) = 'number' THEN ((attributes -> $3::text))::numeric > $4::numeric END)",
      params: [['n'], '2.5', 'n', '2.5'],
    });
  });
  it('a range on a nested key looks up the side table by the whole path; its negation has no prefilter', () => {
    expect(leaf('attributes."k8s.pod".n', 'lte', -1).params.slice(0, 2)).toEqual([['k8s.pod', 'n'], '-1']);
    expect(leaf('attributes.n', 'ne', 3).sql).not.toContain('llm_trace_attribute_numbers');
    const negated = compileFilter(normalize(validateFilter({ operator: 'not', filters: [{ field: 'attributes.n', operator: 'gt', value: 1 }] })));
    expect(negated.sql).not.toContain('llm_trace_attribute_numbers');
  });
  it('a text match with a trigram gets the trigram prefilter on every string value; one without and a negation do not', () => {
    expect(leaf('attributes.f', 'starts_with', 'abc%"d')).toEqual({
      sql:
        '(tracelens_attribute_strings(attributes) COLLATE "C" ILIKE $1::text AND ' +
        `CASE WHEN jsonb_typeof((attributes -> $2::text)) = 'string' THEN ((attributes -> $2::text) #>> '{}') COLLATE "C" ILIKE $3::text END)`,
      params: ['%abc\\%"d%', 'f', 'abc\\%"d%'],
    });
    expect(leaf('attributes.f', 'contains', 'ab').sql).not.toContain('tracelens_attribute_strings');
    expect(leaf('attributes.f', 'contains', 'a%b_c').sql).not.toContain('tracelens_attribute_strings');
    expect(leaf('attributes.f', 'not_contains', 'abc').sql).not.toContain('tracelens_attribute_strings');
  });
  it('a regex prefilters on its required literal, or not at all', () => {
    expect(leaf('attributes.f', 'regex', '^qzv.x').params[0]).toBe('%qzv%');
    expect(leaf('attributes.f', 'regex', 'ab|cd').sql).not.toContain('tracelens_attribute_strings');
    expect(leaf('attributes.f', 'regex', '(?i)abc').sql).not.toContain('tracelens_attribute_strings');
  });
  it('eq null means absent (or JSON null); ne null the opposite', () => {
    expect(leaf('attributes.x', 'eq', null)).toEqual({ sql: "coalesce((attributes -> $1::text), 'null'::jsonb) = 'null'::jsonb", params: ['x'] });
    expect(leaf('attributes.x', 'ne', null)).toEqual({ sql: "coalesce((attributes -> $1::text), 'null'::jsonb) <> 'null'::jsonb", params: ['x'] });
  });
  it('string operators apply to string values only', () => {
    expect(leaf('attributes.f', 'contains', 'q')).toEqual({
      sql: `CASE WHEN jsonb_typeof((attributes -> $1::text)) = 'string' THEN ((attributes -> $1::text) #>> '{}') COLLATE "C" ILIKE $2::text END`,
      params: ['f', '%q%'],
    });
    expect(leaf('attributes.f', 'in', ['a', 1, false]).params).toEqual([['{"f":"a"}', '{"f":1}', '{"f":false}'], 'f', ['"a"', '1', 'false']]);
  });
});

describe('compile: logic', () => {
  const a = { field: 'provider', operator: 'eq', value: 'a' };
  const b = { field: 'duration_ms', operator: 'gt', value: 5 };
  it('nests AND / OR with parentheses and numbers params in order', () => {
    expect(sql({ operator: 'and', filters: [a, { operator: 'OR', filters: [b, a] }] })).toEqual({
      sql: '(provider = $1::text AND (duration_ms > $2::bigint OR provider = $3::text))',
      params: ['a', 5, 'a'],
    });
  });
  it('flattens nested groups of the same kind and drops one-child groups', () => {
    expect(sql({ operator: 'AND', filters: [{ operator: 'and', filters: [a, { operator: 'or', filters: [b] }] }] }).sql).toBe(
      '(provider = $1::text AND duration_ms > $2::bigint)',
    );
  });
  it('pushes NOT down with De Morgan and cancels NOT NOT', () => {
    expect(sql({ operator: 'NOT', filters: [{ operator: 'AND', filters: [a, b] }] }).sql).toBe(
      '((provider = $1::text) IS NOT TRUE OR NOT (duration_ms > $2::bigint))',
    );
    expect(sql({ operator: 'not', filters: [{ operator: 'not', filters: [a] }] }).sql).toBe('provider = $1::text');
    expect(sql({ operator: 'not', filters: [{ field: 'provider', operator: 'ne', value: 'a' }] }).sql).toBe('provider = $1::text');
  });
  it('is deterministic: the same input gives byte-identical output', () => {
    const wire = { operator: 'or', filters: [a, b, { field: 'attributes.x.y', operator: 'in', value: [1, 'z'] }] };
    expect(JSON.stringify(sql(wire))).toBe(JSON.stringify(sql(structuredClone(wire))));
  });
  it('compiles an un-normalized NOT with two-valued semantics too', async () => {
    const { compileFilter: c } = await import('../../src/query/compile.js');
    expect(c(validateFilter({ operator: 'not', filters: [a] })).sql).toBe('(provider = $1::text) IS NOT TRUE');
  });
});

// The page JSON the database builds (src/traces/page-json.ts) against the
// serialization it replaces: the rows read into JS values and serialized by
// the Span schema. Every field type, NULLs, unicode and control characters,
// decimals at the edges of both number notations, sub-millisecond
// timestamps, awkward jsonb; every page of several sorts and field sets
// (costs hidden and shown), on both engines: the two bodies must be equal
// byte for byte, cursors included.
import { beforeAll, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { pageBodyText, serializePageBody } from '../../src/http/page-serializer.js';
import type { SearchBody } from '../../src/query/request.js';
import { searchRequestFromBody } from '../../src/traces/search-request.js';
import { executeSearch, executeSearchText } from '../../src/traces/search-service.js';
import { describeEachBackend } from '../helpers/backends.js';
import { principal } from '../helpers/principal.js';
import { insertSpans, span, type SpanInput } from '../helpers/spans.js';

const cursorKey = new Uint8Array(32).fill(3);
const now = Date.UTC(2026, 11, 1);
const admin = principal('admin', 'all');
/** read:traces without read:costs: the cost fields are hidden. */
const noCosts: Principal = { ...principal('developer', 'all'), permissions: new Set(['read:traces']) };

const UNICODE = [
  'plain ascii',
  'quote " backslash \\ slash /',
  'controls \u0001\u0002\u001f tab\tnewline\nreturn\r feed\f back\b del\u007f',
  'line sep \u2028 para sep \u2029',
  'emoji 🦜🔥 and 👩‍👩‍👧 zwj',
  'CJK 漢字かな한국어, RTL عربى עברית',
  'combining é (e\u0301) and precomposed é',
  '',
  '<script>alert("x")</script> & &amp;',
];

const DECIMALS: (string | null)[] = [
  '0',
  '0.0000000001',
  '0.0000001234',
  '0.000001',
  '0.0000009999',
  '0.00001',
  '0.00003',
  '0.0001',
  '0.00012345',
  '0.1',
  '0.3',
  '1',
  '1.5',
  '123456.789',
  '12345678.12345678',
  '9999999999.9999999999',
  '1234567890.1234567891',
  '-0.00000005',
  '-12.5',
  null,
];

const TIMESTAMPS = [
  '2026-11-30T23:59:59.999999Z',
  '2026-11-30T12:00:00.000001Z',
  '2026-11-30T12:00:00.123999Z',
  '2026-11-30T12:00:00.293000Z',
  '2026-11-30T12:00:00Z',
  '2026-01-01T00:00:00.5Z',
  '2026-06-15T07:08:09.570Z',
];

const ATTRIBUTES: Record<string, unknown>[] = [
  {},
  { feature: 'qa' },
  { b: 1, '10': 'ten', '2': 'two', a: true, '-1': 'neg', '01': 'lead zero' },
  { n: 1.5, big: 18446744073709551616, small: 1e-7, exp: 1e21, neg: -0.25, zero: 0, nul: null },
  { nested: { z: [1, 'two', { '3': null, x: [] }], a: {} }, list: [true, false, null] },
  { s: 'escapes " \\ \n \t \u0001 \u2028 🦜 é' },
  { 'key with "quotes"': 'v', 'ключ': 'значение' },
];

function fixture(): SpanInput[] {
  const spans: SpanInput[] = [];
  for (let i = 0; i < 60; i++) {
    const text = UNICODE[i % UNICODE.length]!;
    const d = (k: number) => DECIMALS[(i + k) % DECIMALS.length]!;
    const allNull = i % 11 === 5;
    spans.push(
      span({
        ts: TIMESTAMPS[i % TIMESTAMPS.length]!.replace('-30T', `-${String(1 + (i % 28)).padStart(2, '0')}T`),
        trace_id: `trace-${i % 9}`,
        span_id: `span-${i}-${text.slice(0, 3)}`,
        parent_span_id: allNull ? null : `parent-${i}`,
        project_id: ['proj-a', 'proj-b'][i % 2],
        span_name: `name ${text}`,
        provider: allNull ? null : ['openai', 'anthropic', 'gøøgle'][i % 3],
        model: allNull ? null : `model-${i % 4}`,
        input_text: allNull ? null : text,
        output_text: allNull ? null : UNICODE[(i + 3) % UNICODE.length]!,
        prompt_tokens: allNull ? null : i * 1000,
        completion_tokens: allNull ? null : 2147483647 - i,
        total_tokens: allNull ? null : 0,
        prompt_cost_usd: allNull ? null : d(0),
        completion_cost_usd: allNull ? null : d(5),
        total_cost_usd: allNull ? null : d(11),
        duration_ms: i * 37,
        ttft_ms: allNull ? null : i,
        status_code: ['OK', 'ERROR', 'UNSET', 'SUCCESS'][i % 4],
        error_message: allNull ? null : i % 4 === 1 ? `failed: ${text}` : null,
        user_id: allNull ? null : `user-${i % 5}`,
        session_id: allNull ? null : `session ${text}`,
        environment: allNull ? null : 'production',
        tags: i % 6 === 0 ? [] : ['chat', text, `t${i}`],
        attributes: ATTRIBUTES[i % ATTRIBUTES.length]!,
      }),
    );
  }
  return spans;
}

const CASES: { name: string; who: Principal; body: SearchBody; provider?: string }[] = [
  { name: 'every field, newest first', who: admin, body: { limit: 7 } },
  { name: 'costs hidden', who: noCosts, body: { limit: 9 } },
  { name: 'fields in another order, attributes first', who: admin, body: { limit: 8, fields: ['attributes', 'total_cost_usd', 'ts', 'input_text', 'tags'] } },
  { name: 'attributes only', who: admin, body: { limit: 13, fields: ['attributes'] } },
  { name: 'no attributes', who: admin, body: { limit: 11, fields: ['span_id', 'prompt_cost_usd', 'ttft_ms', 'tags', 'ts'] } },
  { name: 'one text field', who: admin, body: { limit: 17, fields: ['output_text'] } },
  { name: 'sorted by a decimal, ascending', who: admin, body: { limit: 6, sort_by: 'total_cost_usd', sort_desc: false } },
  { name: 'sorted by a nullable integer', who: admin, body: { limit: 10, sort_by: 'ttft_ms' } },
  { name: 'sorted by text', who: noCosts, body: { limit: 12, sort_by: 'provider', sort_desc: false } },
  {
    name: 'a filter (the window and fenced statements)',
    who: admin,
    body: { limit: 5, filter: { field: 'provider', operator: 'eq', value: 'openai' } },
    provider: 'openai',
  },
  {
    name: 'a filter nothing matches',
    who: admin,
    body: { limit: 5, filter: { field: 'provider', operator: 'eq', value: 'nobody' } },
    provider: 'nobody',
  },
];

describeEachBackend('page JSON built by the database', (backend) => {
  beforeAll(async () => {
    await backend().driver.transaction(async (tx) => insertSpans(tx, fixture()));
  });

  for (const c of CASES) {
    it(`is the schema serializer's text on every page: ${c.name}`, async () => {
      const db = backend().driver;
      let cursor: string | null = null;
      let pages = 0;
      let spans = 0;
      do {
        const req = { ...searchRequestFromBody({ ...c.body, cursor }, c.who), cursor };
        const ctx = { cursorKey, now };
        const old = await executeSearch(db, req, ctx);
        const page = await executeSearchText(db, req, ctx);
        const pagination = (p: { cursor: string | null; hasMore: boolean }) => ({ cursor: p.cursor, has_more: p.hasMore, limit: req.limit, total: null });
        const want = serializePageBody({ data: old.rows, pagination: pagination(old) });
        expect(pageBodyText(page.data, pagination(page))).toBe(want);
        spans += old.rows.length;
        pages++;
        cursor = page.cursor;
      } while (cursor !== null && pages < 100);
      // Every row was compared, through more than one page where there are rows.
      expect(cursor).toBeNull();
      const expected = fixture().filter((s) => c.provider === undefined || s.provider === c.provider).length;
      expect(spans).toBe(expected);
      if (expected > 0) expect(pages).toBeGreaterThan(1);
    });
  }

  it('covers what it claims: NULL in every nullable field, decimals in both notations, microseconds', async () => {
    const req = { ...searchRequestFromBody({ limit: 1000 }, admin), cursor: null };
    const page = await executeSearchText(backend().driver, req, { cursorKey, now });
    expect(page.data).toContain('"provider":null');
    expect(page.data).toContain('"total_cost_usd":null');
    expect(page.data).toContain('e-7');
    expect(page.data).toContain('e-10');
    expect(page.data).toContain('0.00001');
    expect(page.data).toContain('.999Z"');
    expect(page.data).toContain('\\u0001');
    expect(page.data).toContain('🦜');
    expect(page.data).toContain('"tags":[]');
    expect(page.data).toContain('{"2":"two","10":"ten"');
  });
});

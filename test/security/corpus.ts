// The hostile-input corpus: ONE table of requests and what each must get back.
// corpus.test.ts runs every row on both engines and asserts, for every row: the
// expected status (and error code), never a 5xx, the error envelope, no SQL
// text or stack trace in the body, no hostile text in the SQL the server sent,
// and never a row or secret of another tenant.
//
// To add a case, append a row to CASES (or to the section it belongs to):
//   { name, request: { method, url, headers?, payload?, as? }, expect: { status, code?, spanIds?, noRowsFromOtherTenants? } }
// `payload` is an object (sent as JSON) or a string (sent verbatim as the JSON
// text, for numbers like 1e309 or escapes like \u0000 that must survive).
// `request` may also be a function of the CorpusContext, for cases that need a
// live cursor. The JWT half of the corpus lives in auth.test.ts.
import type { ErrorCode } from '../../src/errors.js';
import type { Permission } from '../../src/auth/principal.js';
import type { Role } from '../../src/auth/roles.js';
import { brotliCompressSync, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { span, type SpanInput } from '../helpers/spans.js';

// --- identities ----------------------------------------------------------

export const OWN_PROJECT = 'proj-a';
export const OTHER_PROJECT = 'proj-b';

export interface Identity {
  role: Role;
  projects?: string[];
  permissions?: Permission[];
}

/** Who sends a request; `dev` (developer of proj-a only) unless a case says otherwise. */
export const IDENTITIES = {
  dev: { role: 'developer', projects: [OWN_PROJECT] },
  viewer: { role: 'viewer', projects: [OWN_PROJECT] },
  billing: { role: 'billing', projects: [OWN_PROJECT] },
  otherDev: { role: 'developer', projects: [OTHER_PROJECT] },
  admin: { role: 'admin' },
} satisfies Record<string, Identity>;
export type IdentityName = keyof typeof IDENTITIES | 'anonymous';

// --- fixture ---------------------------------------------------------------

/** Appears in every row of the other tenant and in no request: finding it in a response is a leak. */
export const OTHER_SECRET = 'zq-other-tenant-secret';
/** A long text for regex cost cases (linear-time patterns must still answer). */
export const LONG_TEXT = `${'a'.repeat(100_000)}!`;
/** Trace ids may be 256 characters long (docs/ingest.md). */
export const LONG_TRACE_ID = `ta-${'l'.repeat(253)}`;

/**
 * Strings the attribute prefilters must see through (migration 0012): quotes,
 * a backslash, non-ASCII case pairs, a newline, LIKE wildcards; a nested
 * number for the side table. The other tenant has the same.
 */
const HOSTILE_ATTRIBUTES = { note: 'say "hi" \\ to ünï\n%_ end', depth: { n: 7.5 } };

const own = (o: Partial<SpanInput> & { span_id: string }) => span({ project_id: OWN_PROJECT, trace_id: `ta-${o.span_id}`, ...o });
// Other-tenant twins carry the same searchable values, so any filter that
// wrongly crossed the tenant boundary would find them.
const other = (o: Partial<SpanInput> & { span_id: string }) =>
  span({
    project_id: OTHER_PROJECT,
    trace_id: `tb-${o.span_id}`,
    input_text: `authentication error ${OTHER_SECRET}`,
    output_text: OTHER_SECRET,
    user_id: OTHER_SECRET,
    ...o,
  });

export const FIXTURE: SpanInput[] = [
  own({ span_id: 'own-1', provider: 'openai', model: 'gpt-4o', duration_ms: 100, input_text: 'authentication error on login', attributes: { tier: 'pro', code: '100%' } }),
  own({ span_id: 'own-2', provider: 'anthropic', model: 'claude', duration_ms: 2000, attributes: { tier: 'free', code: 'a_b', ...HOSTILE_ATTRIBUTES } }),
  // `%`, `_` and `\` literals, and the rows a wildcard reading would also match.
  own({ span_id: 'lit-pct', provider: 'lit', model: 'p%q', tags: ['lit'], attributes: { code: '%x' } }),
  own({ span_id: 'lit-us', provider: 'lit', model: 'p_q', tags: ['lit'], attributes: { code: '_x' } }),
  own({ span_id: 'lit-bs', provider: 'lit', model: 'p\\q', tags: ['lit'], attributes: { code: '\\x' } }),
  own({ span_id: 'lit-plain', provider: 'lit', model: 'pxq', tags: ['lit'], attributes: { code: 'xx' } }),
  own({ span_id: 'own-long', provider: 'long', model: 'long', input_text: LONG_TEXT, trace_id: LONG_TRACE_ID }),
  other({ span_id: 'x-1', provider: 'openai', model: 'gpt-4o', attributes: HOSTILE_ATTRIBUTES }),
  other({ span_id: 'x-pct', provider: 'lit', model: 'p%q', tags: ['lit'] }),
  other({ span_id: 'x-us', provider: 'lit', model: 'p_q', tags: ['lit'] }),
];
export const OWN_SPAN_IDS = FIXTURE.filter((s) => s.project_id === OWN_PROJECT).map((s) => s.span_id);
const LIT = ['lit-pct', 'lit-us', 'lit-bs', 'lit-plain'];
/** A trace only the other tenant can see. */
export const OTHER_TRACE_ID = 'tb-x-1';

// --- the table -----------------------------------------------------------------

export interface CorpusRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer is sent verbatim. */
  payload?: unknown;
  as?: IdentityName;
}

export interface CorpusExpect {
  status: number;
  code?: ErrorCode;
  /** The response rows must be exactly these span ids (any order): the data-level assertion. */
  spanIds?: string[];
  /** Every returned row must belong to the caller's projects (implied by spanIds). */
  noRowsFromOtherTenants?: boolean;
}

export interface CorpusContext {
  /** The cursor of the first page of a search as `as`. */
  cursorOf(payload: Record<string, unknown>, as?: IdentityName): Promise<string>;
  /** The server's own cursor signing key (as if it leaked): proves checks beyond the HMAC. */
  readonly serverCursorKey: Uint8Array;
}

export interface CorpusCase {
  name: string;
  request: CorpusRequest | ((ctx: CorpusContext) => Promise<CorpusRequest>);
  expect: CorpusExpect;
}

const SEARCH = '/api/v1/traces/search';
const LIST = '/api/v1/traces';
const search = (payload: unknown, as?: IdentityName): CorpusRequest => ({ method: 'POST', url: SEARCH, payload, ...(as ? { as } : {}) });
const filter = (f: unknown) => search({ filter: f });
const leaf = (field: unknown, operator: unknown, value: unknown) => ({ field, operator, value });
const list = (qs: string, as?: IdentityName): CorpusRequest => ({ method: 'GET', url: `${LIST}${qs}`, ...(as ? { as } : {}) });
/** Raw JSON body text `{"filter": <leaf>}` with `value` spliced in verbatim. */
const rawLeaf = (field: string, operator: string, valueJson: string) =>
  search(`{"filter":{"field":${JSON.stringify(field)},"operator":${JSON.stringify(operator)},"value":${valueJson}}}`);

/** A 400; which of the 400 codes is pinned by the route tests, the corpus checks the code is one of them. */
const bad = (name: string, request: CorpusRequest): CorpusCase => ({ name, request, expect: { status: 400 } });
const rows = (name: string, request: CorpusRequest, spanIds: string[]): CorpusCase => ({
  name,
  request,
  expect: { status: 200, spanIds, noRowsFromOtherTenants: true },
});
const ok = (name: string, request: CorpusRequest): CorpusCase => ({ name, request, expect: { status: 200, noRowsFromOtherTenants: true } });

/** SQL-ish and look-alike identifiers, tried as field, sort field, `fields` entry, operator and attribute key. */
export const HOSTILE_NAMES = [
  "x'; DROP TABLE llm_traces; --",
  'provider"--',
  'provider; SELECT pg_sleep(10)',
  "input_text->>'a'",
  "attributes->>'tier'",
  'ｐｒｏｖｉｄｅｒ', // full-width look-alike
  'рrovider', // Cyrillic "р"
  'provider\u200b', // zero-width space
  'PROVIDER',
  '1) OR (1=1',
  '$1',
  '__proto__',
  'constructor',
  'id',
  'search_tsv',
];

/** Text that must never appear in the SQL the server sends (values travel as parameters). */
export const SQL_MARKERS = ['DROP', 'pg_sleep', '1=1', '->>', '--', 'ｐｒｏｖｉｄｅｒ', 'UNION'];

const nameCases: CorpusCase[] = HOSTILE_NAMES.flatMap((h) => [
  bad(`field name ${JSON.stringify(h)}`, filter(leaf(h, 'eq', 'x'))),
  bad(`sort_by ${JSON.stringify(h)}`, search({ sort_by: h })),
  bad(`fields entry ${JSON.stringify(h)}`, search({ fields: ['span_id', h] })),
  bad(`operator ${JSON.stringify(h)}`, filter(leaf('provider', h, 'x'))),
  bad(`list sort_by ${JSON.stringify(h)}`, list(`?sort_by=${encodeURIComponent(h)}`)),
  bad(`cursor ${JSON.stringify(h)}`, search({ cursor: h })),
  // As values they are just text: parameters, matching nothing.
  rows(`eq value ${JSON.stringify(h)}`, filter(leaf('provider', 'eq', h)), []),
  rows(`contains value ${JSON.stringify(h)}`, filter(leaf('input_text', 'contains', h)), []),
  rows(`quoted attribute key ${JSON.stringify(h)}`, filter(leaf(`attributes.${JSON.stringify(h)}`, 'eq', h)), []),
  ok(`search text ${JSON.stringify(h)} with tsquery operators`, filter(leaf('content', 'search', `${h} & !( | <->`))),
  rows(`list provider ${JSON.stringify(h)}`, list(`?provider=${encodeURIComponent(h)}`), []),
]);

// Attribute keys travel as parameters: any key is allowed (and finds nothing), a malformed path is a 400.
const attributePathCases: CorpusCase[] = [
  rows('attribute key with SQL', filter(leaf("attributes.a'; DROP TABLE llm_traces; --", 'eq', 'x')), []),
  rows('attribute key with ->>', filter(leaf('attributes."tier->>0"', 'eq', 'pro')), []),
  rows('attribute key __proto__', filter(leaf('attributes.__proto__', 'eq', 'x')), []),
  rows('attribute key with a quote, quoted', filter(leaf('attributes."a\\"b"', 'eq', 'x')), []),
  rows('attribute key, full-width look-alike', filter(leaf('attributes.ｔｉｅｒ', 'eq', 'pro')), []),
  rows('attribute path that works', filter(leaf('attributes.tier', 'eq', 'pro')), ['own-1']),
  rows('attribute path with ->> operator syntax is just a key name', filter(leaf("attributes.tier->>'x'", 'eq', 'pro')), []),
  bad('attribute path: arrow form', filter(leaf("attributes->'tier'", 'eq', 'pro'))),
  bad('attribute path: empty', filter(leaf('attributes.', 'eq', 'x'))),
  bad('attribute path: empty key', filter(leaf('attributes.a..b', 'eq', 'x'))),
  bad('attribute path: unterminated quote', filter(leaf('attributes."a', 'eq', 'x'))),
  bad('attribute path: quote inside a bare key', filter(leaf('attributes.a"b', 'eq', 'x'))),
  bad('attribute path: 9 keys', filter(leaf(`attributes.${Array(9).fill('k').join('.')}`, 'eq', 'x'))),
  bad('attribute path: key of 129 characters', filter(leaf(`attributes.${'k'.repeat(129)}`, 'eq', 'x'))),
  bad('attribute key with NUL (raw JSON)', rawLeaf('attributes.a\u0000b', 'eq', '"x"')),
  bad('attribute key with a lone surrogate (raw JSON)', search('{"filter":{"field":"attributes.a\\ud800","operator":"eq","value":"x"}}')),
  bad('attributes without a path', filter(leaf('attributes', 'eq', 'x'))),
];

const operatorCases: CorpusCase[] = [
  bad('unknown operator like', filter(leaf('provider', 'like', 'x'))),
  bad('unknown operator ==', filter(leaf('provider', '==', 'x'))),
  bad('unknown operator $eq', filter(leaf('provider', '$eq', 'x'))),
  bad('operator with trailing space', filter(leaf('provider', 'eq ', 'x'))),
  bad('operator toString', filter(leaf('provider', 'toString', 'x'))),
  bad('operator full-width ｅｑ', filter(leaf('provider', 'ｅｑ', 'x'))),
  bad('operator as object', filter(leaf('provider', { eq: 1 }, 'x'))),
  bad('operator missing', filter({ field: 'provider', value: 'x' })),
  bad('logical XOR', filter({ operator: 'XOR', filters: [leaf('provider', 'eq', 'x')] })),
  bad('group and condition in one node', filter({ field: 'provider', operator: 'AND', filters: [leaf('provider', 'eq', 'x')] })),
  bad('extra key in a condition', filter({ ...leaf('provider', 'eq', 'x'), sql: '1=1' })),
  bad('gt on text', filter(leaf('provider', 'gt', 'a'))),
  bad('search on a number', filter(leaf('duration_ms', 'search', 'x'))),
  bad('contains on a number', filter(leaf('duration_ms', 'contains', '1'))),
  bad('regex on a number', filter(leaf('duration_ms', 'regex', '^1'))),
  bad('regex on a timestamp', filter(leaf('ts', 'regex', '2026'))),
  bad('regex on tags', filter(leaf('tags', 'regex', 'l'))),
  rows('operator names are case-insensitive', filter({ operator: 'Or', filters: [leaf('provider', 'EQ', 'anthropic')] }), ['own-2']),
];

const typeCases: CorpusCase[] = [
  bad('object where a string belongs', filter(leaf('provider', 'eq', { $ne: null }))),
  bad('array where a scalar belongs', filter(leaf('provider', 'eq', ['openai']))),
  bad('object inside an in list', filter(leaf('provider', 'in', ['openai', { $gt: '' }]))),
  bad('nested array in an in list', filter(leaf('provider', 'in', [['openai']]))),
  bad('number for a text field', filter(leaf('provider', 'eq', 1))),
  bad('string for an integer', filter(leaf('duration_ms', 'gt', '100'))),
  bad('boolean for an integer', filter(leaf('duration_ms', 'gt', true))),
  bad('fraction for an integer', filter(leaf('duration_ms', 'gt', 1.5))),
  bad('integer beyond 2^53', rawLeaf('duration_ms', 'gt', '9007199254740993')),
  bad('numeric string for a decimal', filter(leaf('total_cost_usd', 'gt', '0.1'))),
  bad('1e309 for an integer (raw JSON)', rawLeaf('duration_ms', 'gt', '1e309')),
  bad('1e309 for a decimal (raw JSON)', rawLeaf('total_cost_usd', 'lt', '1e309')),
  bad('-1e309 for an attribute (raw JSON)', rawLeaf('attributes.n', 'gt', '-1e309')),
  bad('1e309 in an in list (raw JSON)', rawLeaf('total_cost_usd', 'in', '[1, 1e309]')),
  bad('NaN (raw JSON)', rawLeaf('duration_ms', 'gt', 'NaN')),
  bad('Infinity (raw JSON)', rawLeaf('duration_ms', 'gt', 'Infinity')),
  bad('1e309 as limit (raw JSON)', search('{"limit":1e309}')),
  bad('invalid date Feb 30', filter(leaf('ts', 'gt', '2026-02-30T00:00:00Z'))),
  bad('invalid date month 13', filter(leaf('ts', 'gt', '2026-13-01'))),
  bad('invalid time 25:00', filter(leaf('ts', 'gt', '2026-01-01T25:00:00Z'))),
  bad('date beyond year 9999', filter(leaf('ts', 'gt', '+275760-09-13T00:00:00Z'))),
  bad('date as epoch number', filter(leaf('ts', 'gt', 1700000000))),
  bad('date with SQL', filter(leaf('ts', 'gt', "2026-01-01' OR '1'='1"))),
  bad('from: not a date', search({ from: 'yesterday' })),
  bad('from: a number', search({ from: 1700000000 })),
  bad('to: invalid date', search({ to: '2026-02-30' })),
  bad('sort_desc as string', search({ sort_desc: 'false' })),
  bad('limit as string in JSON', search({ limit: '100' })),
  bad('filter as string', search({ filter: 'provider = 1' })),
  bad('filter as array', search({ filter: [leaf('provider', 'eq', 'x')] })),
  bad('fields as string', search({ fields: 'span_id' })),
  bad('fields empty', search({ fields: [] })),
  bad('body is an array', search([])),
  bad('body is JSON null', search('null')),
  bad('body is a string', search('"select 1"')),
  bad('body is not JSON', search('{filter:')),
  bad('unknown top-level key', search({ where: '1=1' })),
  bad('__proto__ key in the body (raw JSON)', search('{"__proto__":{"limit":5000}}')),
  bad('constructor.prototype in the body (raw JSON)', search('{"constructor":{"prototype":{"limit":5000}}}')),
  bad('__proto__ in a filter node (raw JSON)', search('{"filter":{"field":"provider","operator":"eq","value":"x","__proto__":{"field":"input_text"}}}')),
  bad('tags eq with a number', filter(leaf('tags', 'eq', 1))),
  bad('tags contains with an object', filter(leaf('tags', 'contains', { a: 1 }))),
  bad('null in an in list', filter(leaf('provider', 'in', ['openai', null]))),
  bad('null for gt', filter(leaf('duration_ms', 'gt', null))),
  rows('attribute typed compare: string "100%" is not a number', filter(leaf('attributes.code', 'gt', 1)), []),
];

const nulSurrogateCases: CorpusCase[] = [
  bad('NUL in a value (raw JSON)', rawLeaf('provider', 'eq', '"open\\u0000ai"')),
  bad('NUL in an in list (raw JSON)', rawLeaf('provider', 'in', '["openai","\\u0000"]')),
  bad('NUL in contains (raw JSON)', rawLeaf('input_text', 'contains', '"\\u0000"')),
  bad('NUL in search text (raw JSON)', rawLeaf('content', 'search', '"auth\\u0000"')),
  bad('NUL in a regex (raw JSON)', rawLeaf('provider', 'regex', '"a\\u0000"')),
  bad('NUL in an attribute value (raw JSON)', rawLeaf('attributes.tier', 'eq', '"pro\\u0000"')),
  bad('NUL in tags contains (raw JSON)', rawLeaf('tags', 'contains', '["lit","\\u0000"]')),
  bad('NUL in sort_by (raw JSON)', search('{"sort_by":"ts\\u0000"}')),
  bad('NUL in a fields entry (raw JSON)', search('{"fields":["span_id\\u0000"]}')),
  bad('NUL in from (raw JSON)', search('{"from":"2026-01-01\\u0000"}')),
  bad('NUL in cursor (raw JSON)', search('{"cursor":"a\\u0000.b"}')),
  bad('lone high surrogate in a value (raw JSON)', rawLeaf('provider', 'eq', '"open\\ud800ai"')),
  bad('lone low surrogate in a value (raw JSON)', rawLeaf('provider', 'eq', '"\\udc00"')),
  bad('lone surrogate in search text (raw JSON)', rawLeaf('content', 'search', '"auth \\ud800"')),
  bad('lone surrogate in a regex (raw JSON)', rawLeaf('provider', 'regex', '"\\udbff"')),
  rows('a paired surrogate (emoji) is fine', rawLeaf('provider', 'eq', '"\\ud83d\\ude00"'), []),
  bad('NUL in a list parameter', list('?provider=open%00ai')),
  bad('NUL in list search', list('?search=auth%00')),
  bad('NUL in list from', list('?from=2026-01-01%00')),
  { name: 'NUL in list project_id is not one of yours', request: list('?project_id=proj-a%00'), expect: { status: 403, code: 'FORBIDDEN' } },
  ok('invalid UTF-8 in a list parameter', list('?provider=%ED%A0%80')),
  bad('NUL in a trace id', { method: 'GET', url: '/api/v1/traces/ta-own-1%00' }),
  bad('invalid UTF-8 in a trace id', { method: 'GET', url: '/api/v1/traces/%ED%A0%80' }),
  bad('invalid percent-encoding in a trace id', { method: 'GET', url: '/api/v1/traces/%E0%A4%A' }),
];

// Raw tsquery operators are plain text in web-search syntax: never a 500.
const TSQUERY_TEXTS = ['a & | !', 'auth:*', ':*', '(auth | login) & !error', 'auth <-> error', 'auth <2> error', "'", '\\', '!!!', '&&&', '"""', '-', 'or or or', 'auth:A', '*', '(((', ')', 'a:*B & !(c', '<->'];
const searchCases: CorpusCase[] = [
  ...TSQUERY_TEXTS.flatMap((t) => [
    ok(`search content ${JSON.stringify(t)}`, filter(leaf('content', 'search', t))),
    ok(`search input_text ${JSON.stringify(t)}`, filter(leaf('input_text', 'search', t))),
    ok(`list search ${JSON.stringify(t)}`, list(`?search=${encodeURIComponent(t)}`)),
  ]),
  rows('search finds own rows only', filter(leaf('content', 'search', 'authentication error')), ['own-1']),
  rows('search with or finds own rows only', list('?search=authentication%20or%20zq'), ['own-1']),
  rows('search for the other tenant\'s secret word', filter(leaf('content', 'search', OTHER_SECRET)), []),
];

// `%`, `_` and `\` are literals: the data decides (the other tenant has twins of each row).
const literalCases: CorpusCase[] = [
  rows('contains %', filter(leaf('model', 'contains', '%')), ['lit-pct']),
  rows('contains _', filter(leaf('model', 'contains', '_')), ['lit-us']),
  rows('contains \\', filter(leaf('model', 'contains', '\\')), ['lit-bs']),
  rows('contains p%q', filter(leaf('model', 'contains', 'p%q')), ['lit-pct']),
  rows('contains p_q', filter(leaf('model', 'contains', 'p_q')), ['lit-us']),
  rows('contains \\%', filter(leaf('model', 'contains', '\\%')), []),
  rows('starts_with p%', filter(leaf('model', 'starts_with', 'p%')), ['lit-pct']),
  rows('ends_with _q', filter(leaf('model', 'ends_with', '_q')), ['lit-us']),
  rows('ends_with \\q', filter(leaf('model', 'ends_with', '\\q')), ['lit-bs']),
  rows('eq p_q', filter(leaf('model', 'eq', 'p_q')), ['lit-us']),
  rows('not_contains % among the literals', filter({ operator: 'AND', filters: [leaf('tags', 'contains', 'lit'), leaf('model', 'not_contains', '%')] }), ['lit-us', 'lit-bs', 'lit-plain']),
  rows('attribute starts_with %', filter(leaf('attributes.code', 'starts_with', '%')), ['lit-pct']),
  rows('attribute starts_with _', filter(leaf('attributes.code', 'starts_with', '_')), ['lit-us']),
  rows('attribute contains \\', filter(leaf('attributes.code', 'contains', '\\')), ['lit-bs']),
  rows('attribute ends_with %', filter(leaf('attributes.code', 'ends_with', '%')), ['own-1']),
  // The trigram prefilter over every string value (0012) is implied by the exact match whatever the quoting.
  rows('attribute contains a quoted word', filter(leaf('attributes.note', 'contains', 'say "hi"')), ['own-2']),
  rows('attribute contains a backslash between words', filter(leaf('attributes.note', 'contains', '" \\ to')), ['own-2']),
  rows('attribute contains the JSON-escaped form: no match', filter(leaf('attributes.note', 'contains', '\\"hi\\"')), []),
  rows('attribute contains: ASCII-only case folding', filter(leaf('attributes.note', 'contains', 'TO üNï')), ['own-2']),
  rows('attribute contains: no folding of non-ASCII', filter(leaf('attributes.note', 'contains', 'ÜNÏ')), []),
  rows('attribute starts_with a quote run', filter(leaf('attributes.note', 'starts_with', 'say "')), ['own-2']),
  rows('attribute ends_with wildcards and a newline', filter(leaf('attributes.note', 'ends_with', 'ï\n%_ end')), ['own-2']),
  rows('attribute regex with an escaped backslash', filter(leaf('attributes.note', 'regex', '^say "hi" \\\\ to')), ['own-2']),
  rows('attribute regex with options has no prefilter, still matches', filter(leaf('attributes.note', 'regex', '(?i)^SAY "HI"')), ['own-2']),
  rows('attribute regex alternation', filter(leaf('attributes.note', 'regex', 'zzz|%_ end$')), ['own-2']),
  // The side table of numbers (0012) prefilters ranges on any key path.
  rows('attribute range on a nested number', filter(leaf('attributes.depth.n', 'gt', 7)), ['own-2']),
  rows('attribute range at the bound', filter(leaf('attributes.depth.n', 'lte', 7.5)), ['own-2']),
  rows('attribute range past the bound', filter(leaf('attributes.depth.n', 'lt', 7.5)), []),
  rows('attribute range on an object is not a number', filter(leaf('attributes.depth', 'gt', 1)), []),
  rows('attribute range under a key with SQL', filter(leaf("attributes.\"a'; DROP TABLE llm_trace_attribute_numbers; --\"", 'gte', 0)), []),
  rows('attribute range negated keeps rows without the key', filter({ operator: 'AND', filters: [leaf('provider', 'eq', 'anthropic'), { operator: 'NOT', filters: [leaf('attributes.depth.n', 'gt', 8)] }] }), ['own-2']),
  rows('list model=p%q (eq)', list('?model=p%25q'), ['lit-pct']),
  rows('list model=p_q (eq)', list('?model=p_q'), ['lit-us']),
  rows('regex dot is a wildcard, by contrast', filter({ operator: 'AND', filters: [leaf('tags', 'contains', 'lit'), leaf('model', 'regex', '^p.q$')] }), LIT),
];

const queryStringCases: CorpusCase[] = [
  bad('repeated limit', list('?limit=1&limit=2')),
  bad('limit[]', list('?limit[]=5')),
  bad('limit[0]', list('?limit[0]=5')),
  bad('__proto__', list('?__proto__=1')),
  bad('__proto__[limit]', list('?__proto__[limit]=5000')),
  bad('constructor[prototype]', list('?constructor[prototype]=1')),
  bad('constructor[prototype][limit]', list('?constructor[prototype][limit]=5000')),
  bad('toString', list('?toString=1')),
  bad('hasOwnProperty', list('?hasOwnProperty=1')),
  bad('limit=0', list('?limit=0')),
  bad('limit=-1', list('?limit=-1')),
  bad('limit=1001', list('?limit=1001')),
  bad('limit=1.5', list('?limit=1.5')),
  bad('limit=1e2', list('?limit=1e2')),
  bad('limit=0x10', list('?limit=0x10')),
  bad('limit=+100', list('?limit=%2B100')),
  bad('limit= 100', list('?limit=%20100')),
  bad('limit empty', list('?limit=')),
  bad('limit huge', list('?limit=100000000000000000000')),
  ok('limit=100 (the normal form of a number in a query string)', list('?limit=100')),
  ok('limit=0100 (leading zero)', list('?limit=0100')),
  bad('repeated provider', list('?provider=openai&provider=anthropic')),
  bad('repeated project_id', list(`?project_id=${OWN_PROJECT}&project_id=${OTHER_PROJECT}`)),
  bad('project_id[]', list(`?project_id[]=${OTHER_PROJECT}`)),
  bad('sort_order with SQL', list('?sort_order=desc;%20DROP%20TABLE%20llm_traces')),
  bad('sort_order upper case', list('?sort_order=DESC')),
  bad('min_duration negative', list('?min_duration=-5')),
  bad('min_duration exponent', list('?min_duration=1e3')),
  bad('min_cost with SQL', list('?min_cost=0%20OR%201=1')),
  bad('from: not a date', list('?from=yesterday')),
  bad('unknown parameter', list('?where=1=1')),
  bad('provider over 256 characters', list(`?provider=${'p'.repeat(257)}`)),
  bad('search over 1000 characters', list(`?search=${'w'.repeat(1001)}`)),
  rows('provider with SQL is just a value', list(`?provider=${encodeURIComponent("openai' OR '1'='1")}`), []),
];

const resourceCases: CorpusCase[] = [
  // Built as text: JSON.stringify of such a tree would overflow the test's own stack.
  bad('10,000-deep NOT chain', search(`{"filter":${'{"operator":"NOT","filters":['.repeat(10_000)}{"field":"provider","operator":"eq","value":"a"}${']}'.repeat(10_000)}}`)),
  bad('10,000-deep AND chain', search(`{"filter":${'{"operator":"AND","filters":['.repeat(10_000)}{"field":"provider","operator":"eq","value":"a"}${']}'.repeat(10_000)}}`)),
  bad('10,000-leaf flat OR', filter({ operator: 'OR', filters: Array.from({ length: 10_000 }, (_, i) => leaf('provider', 'eq', `p${i}`)) })),
  bad('10,000-leaf tree (100 x 100)', filter({ operator: 'AND', filters: Array.from({ length: 100 }, () => ({ operator: 'OR', filters: Array.from({ length: 100 }, () => leaf('provider', 'eq', 'a')) })) })),
  bad('100,000-deep array as a value', search(`{"filter":{"field":"provider","operator":"in","value":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`)),
  bad('100,000-deep object as the filter', search(`{"filter":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`)),
  bad('in list of 501 values', filter(leaf('provider', 'in', Array.from({ length: 501 }, (_, i) => `p${i}`)))),
  rows('in list of 500 values', filter(leaf('provider', 'in', [...Array.from({ length: 499 }, (_, i) => `p${i}`), 'anthropic'])), ['own-2']),
  bad('tags contains list of 501 values', filter(leaf('tags', 'contains', Array.from({ length: 501 }, (_, i) => `t${i}`)))),
  bad('string of 1001 characters', filter(leaf('provider', 'eq', 'p'.repeat(1001)))),
  rows('string of 1000 characters', filter(leaf('provider', 'eq', 'p'.repeat(1000))), []),
  bad('search text of 1001 characters', filter(leaf('content', 'search', 'w '.repeat(500) + 'w'))),
  bad('regex of 257 characters', filter(leaf('provider', 'regex', 'a'.repeat(257)))),
  bad('65 fields entries', search({ fields: Array(65).fill('span_id') })),
  bad('cursor of 2049 characters', search({ cursor: 'a'.repeat(2049) })),
  // PostgreSQL's matcher is not backtracking: this classic is linear there and answers.
  rows('(a+)+$ over a 100 kB text', filter(leaf('input_text', 'regex', '(a+)+$')), []),
  rows('(a|a)*! over a 100 kB text', filter(leaf('input_text', 'regex', '^(a|a)*!$')), ['own-long']),
  // Back references and lookaround constraints are where it is super-linear
  // (minutes per row on long text, and the embedded engine cannot cancel).
  bad('regex back reference (.+)\\1\\1', filter(leaf('input_text', 'regex', '(.+)\\1\\1'))),
  bad('regex back reference in a group', filter(leaf('input_text', 'regex', '((a)\\2)'))),
  bad('regex lookahead (?=.*x)', filter(leaf('input_text', 'regex', '(?=.*x)'))),
  bad('regex negative lookahead', filter(leaf('input_text', 'regex', 'a(?!b)'))),
  bad('regex lookbehind', filter(leaf('input_text', 'regex', '(?<=a)b'))),
  bad('regex negative lookbehind', filter(leaf('input_text', 'regex', '(?<!a)b'))),
  // Counted repetitions are copied once per count: nested ones multiply (the
  // embedded engine hangs, or answers no rows, on these).
  bad('regex nested counts (.{1,255}){1,255}', filter(leaf('input_text', 'regex', '(.{1,255}){1,255}'))),
  bad('regex nested counts ((a{1,100}){1,100}){1,100}', filter(leaf('input_text', 'regex', '((a{1,100}){1,100}){1,100}'))),
  rows('regex nested counts within the bound', filter(leaf('model', 'regex', '^((p){1,10}){1,10}[%_]q$')), ['lit-pct', 'lit-us']),
  rows('regex single count .{1,255}', filter(leaf('model', 'regex', '^p.{1,255}$')), LIT),
  bad('regex expanded syntax hides a lookahead', filter(leaf('input_text', 'regex', '(?x)a( ?=b)'))),
  rows('regex ***= is a literal string', filter(leaf('model', 'regex', '***=p%q')), ['lit-pct']),
  rows('regex escaped ] inside brackets', filter(leaf('model', 'regex', '^p[\\]%]q$')), ['lit-pct']),
  bad('regex invalid repetition', filter(leaf('provider', 'regex', 'a{2,1}'))),
  bad('regex unbalanced', filter(leaf('provider', 'regex', '(a'))),
  rows('regex with an escaped backslash then a digit is not a back reference', filter(leaf('model', 'regex', '\\\\1')), []),
  rows('regex with a bracketed digit', filter(leaf('model', 'regex', '^p[\\\\]q$')), ['lit-bs']),
];

// Cursor tampering: each is a 400 naming `cursor`.
const PAGE = { sort_by: 'duration_ms', sort_desc: false, limit: 1, fields: ['span_id'] };
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const cursorCases: CorpusCase[] = [
  bad('cursor: not base64', search({ ...PAGE, cursor: 'not base64!!' })),
  bad('cursor: one part', search({ ...PAGE, cursor: b64('{"v":1}') })),
  bad('cursor: three parts', search({ ...PAGE, cursor: 'a.b.c' })),
  bad('cursor: base64 of non-JSON, bogus signature', search({ ...PAGE, cursor: `${b64('hello world')}.${b64('sig')}` })),
  bad('cursor: empty string', search({ ...PAGE, cursor: '' })),
  bad('list cursor: not base64', list('?cursor=%27%20OR%201%3D1')),
  bad('list cursor: empty', list('?cursor=')),
  {
    name: 'cursor: SQL in the sort value, no valid HMAC',
    request: async (ctx) => {
      const [body, sig] = (await ctx.cursorOf(PAGE)).split('.');
      const p = JSON.parse(Buffer.from(body!, 'base64url').toString());
      return search({ ...PAGE, cursor: `${b64(JSON.stringify({ ...p, k: "0) OR 1=1; DROP TABLE llm_traces; --" }))}.${sig}` });
    },
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: signature of another payload',
    request: async (ctx) => {
      const [body] = (await ctx.cursorOf(PAGE)).split('.');
      const [, otherSig] = (await ctx.cursorOf({ ...PAGE, sort_desc: true })).split('.');
      return search({ ...PAGE, cursor: `${body}.${otherSig}` });
    },
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: base64 of non-JSON signed with the server key',
    request: async (ctx) => search({ ...PAGE, cursor: await signedCursor(ctx, 'not json') }),
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: SQL in an integer sort value, signed with the server key',
    request: async (ctx) => {
      const p = decodePayload(await ctx.cursorOf(PAGE));
      return search({ ...PAGE, cursor: await signedCursor(ctx, JSON.stringify({ ...p, k: '0 OR 1=1' })) });
    },
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: SQL in a text sort value, signed with the server key, stays a value',
    request: async (ctx) => {
      const q = { ...PAGE, sort_by: 'provider' };
      const p = decodePayload(await ctx.cursorOf(q));
      return search({ ...q, cursor: await signedCursor(ctx, JSON.stringify({ ...p, k: "z' OR 1=1 --" })) });
    },
    expect: { status: 200, spanIds: [], noRowsFromOtherTenants: true },
  },
  {
    name: 'cursor: from another tenant',
    request: async (ctx) => search({ ...PAGE, cursor: await ctx.cursorOf(PAGE, 'otherDev') }),
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: from admin (all projects) replayed by a tenant',
    request: async (ctx) => search({ ...PAGE, cursor: await ctx.cursorOf(PAGE, 'admin') }),
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: from another filter',
    request: async (ctx) => search({ ...PAGE, filter: leaf('provider', 'ne', 'x'), cursor: await ctx.cursorOf(PAGE) }),
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: from another sort field',
    request: async (ctx) => search({ ...PAGE, sort_by: 'ts', cursor: await ctx.cursorOf(PAGE) }),
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: from another sort direction',
    request: async (ctx) => search({ ...PAGE, sort_desc: true, cursor: await ctx.cursorOf(PAGE) }),
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: from another time range',
    request: async (ctx) => search({ ...PAGE, from: '2000-01-01', cursor: await ctx.cursorOf(PAGE) }),
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: from search replayed on list with another sort',
    request: async (ctx) => list(`?sort_by=ts&cursor=${encodeURIComponent(await ctx.cursorOf(PAGE))}`),
    expect: { status: 400, code: 'INVALID_CURSOR' },
  },
  {
    name: 'cursor: a genuine one pages on',
    request: async (ctx) => search({ ...PAGE, cursor: await ctx.cursorOf(PAGE) }),
    expect: { status: 200, noRowsFromOtherTenants: true },
  },
];

function decodePayload(cursor: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
}

async function signedCursor(ctx: CorpusContext, payloadText: string): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const body = b64(payloadText);
  return `${body}.${createHmac('sha256', ctx.serverCursorKey).update(body).digest('base64url')}`;
}

const tenantCases: CorpusCase[] = [
  { name: 'trace of another project is a 404', request: { method: 'GET', url: `/api/v1/traces/${OTHER_TRACE_ID}` }, expect: { status: 404, code: 'NOT_FOUND' } },
  { name: 'trace that does not exist is a 404', request: { method: 'GET', url: '/api/v1/traces/tb-missing' }, expect: { status: 404, code: 'NOT_FOUND' } },
  { name: 'trace id with SQL is a 404', request: { method: 'GET', url: `/api/v1/traces/${encodeURIComponent("x' OR '1'='1")}` }, expect: { status: 404, code: 'NOT_FOUND' } },
  rows('own trace', { method: 'GET', url: '/api/v1/traces/ta-own-1' }, ['own-1']),
  rows('own trace with a 256-character id', { method: 'GET', url: `/api/v1/traces/${LONG_TRACE_ID}` }, ['own-long']),
  bad('trace id of 257 characters', { method: 'GET', url: `/api/v1/traces/${LONG_TRACE_ID}x` }),
  bad('trace id of 5000 characters', { method: 'GET', url: `/api/v1/traces/${'t'.repeat(5000)}` }),
  rows('filter ORs in the other project', filter({ operator: 'OR', filters: [leaf('project_id', 'eq', OTHER_PROJECT), leaf('span_id', 'eq', 'x-1')] }), []),
  rows('filter ORs in the other project next to own rows', filter({ operator: 'OR', filters: [leaf('provider', 'eq', 'anthropic'), leaf('project_id', 'eq', OTHER_PROJECT)] }), ['own-2']),
  rows('project_id in both projects', filter(leaf('project_id', 'in', [OWN_PROJECT, OTHER_PROJECT])), OWN_SPAN_IDS),
  rows('NOT own project', filter({ operator: 'NOT', filters: [leaf('project_id', 'eq', OWN_PROJECT)] }), []),
  rows('project_id ne own', filter(leaf('project_id', 'ne', OWN_PROJECT)), []),
  rows('user id of the other tenant', filter(leaf('user_id', 'eq', OTHER_SECRET)), []),
  rows('list without a project lists own rows only', list('?limit=1000'), OWN_SPAN_IDS),
  rows('list with own project_id', list(`?project_id=${OWN_PROJECT}&provider=anthropic`), ['own-2']),
  { name: 'list with another project_id is a 403', request: list(`?project_id=${OTHER_PROJECT}`), expect: { status: 403, code: 'FORBIDDEN' } },
  { name: 'list with a made-up project_id is a 403', request: list('?project_id=proj-zzz'), expect: { status: 403, code: 'FORBIDDEN' } },
  { name: 'billing search is a 403', request: search({}, 'billing'), expect: { status: 403, code: 'FORBIDDEN' } },
  { name: 'billing list is a 403', request: list('', 'billing'), expect: { status: 403, code: 'FORBIDDEN' } },
  { name: 'billing trace is a 403', request: { method: 'GET', url: '/api/v1/traces/ta-own-1', as: 'billing' }, expect: { status: 403, code: 'FORBIDDEN' } },
  {
    name: 'viewer ingest is a 403',
    request: { method: 'POST', url: LIST, as: 'viewer', payload: [{ trace_id: 'v-1', span_id: 'v-1', span_name: 'x', ts: '2026-01-01T00:00:00Z', duration_ms: 1, status_code: 'OK' }] },
    expect: { status: 403, code: 'FORBIDDEN' },
  },
  {
    name: 'ingest naming another project is a 403',
    request: { method: 'POST', url: LIST, payload: [{ project_id: OTHER_PROJECT, trace_id: 'i-1', span_id: 'i-1', span_name: 'x', ts: '2026-01-01T00:00:00Z', duration_ms: 1, status_code: 'OK' }] },
    expect: { status: 403, code: 'FORBIDDEN' },
  },
  { name: 'no token is a 401', request: { ...search({}), as: 'anonymous' }, expect: { status: 401, code: 'UNAUTHORIZED' } },
];

const gzipped = (compress: (b: Buffer) => Buffer, encoding: string, body: unknown): CorpusRequest => ({
  method: 'POST',
  url: SEARCH,
  headers: { 'content-type': 'application/json', 'content-encoding': encoding },
  payload: compress(Buffer.from(JSON.stringify(body))),
});

/** `mb` megabytes of spaces, gzipped (about 100 kB per 100 MB), built without holding the inflated text. */
async function gzipBomb(mb: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const megabyte = Buffer.alloc(1024 * 1024, 0x20);
  for (let i = 0; i < mb; i++) if (!gzip.write(megabyte)) await new Promise((r) => gzip.once('drain', r));
  gzip.end();
  await done;
  return Buffer.concat(out);
}

const bodyCases: CorpusCase[] = [
  bad('text/plain body', { method: 'POST', url: SEARCH, headers: { 'content-type': 'text/plain' }, payload: '{}' }),
  { name: 'XML body', request: { method: 'POST', url: SEARCH, headers: { 'content-type': 'application/xml' }, payload: '<a/>' }, expect: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'unknown content encoding', request: { method: 'POST', url: SEARCH, headers: { 'content-encoding': 'compress' }, payload: '{}' }, expect: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' } },
  { name: 'gzip header on a body that is not gzip', request: { method: 'POST', url: SEARCH, headers: { 'content-encoding': 'gzip' }, payload: '{}' }, expect: { status: 400, code: 'INVALID_ENCODING' } },
  rows('gzip body', gzipped(gzipSync, 'gzip', { filter: leaf('provider', 'eq', 'anthropic') }), ['own-2']),
  rows('deflate body', gzipped(deflateSync, 'deflate', { filter: leaf('provider', 'eq', 'anthropic') }), ['own-2']),
  rows('br body', gzipped(brotliCompressSync, 'br', { filter: leaf('provider', 'eq', 'anthropic') }), ['own-2']),
  {
    // 100 kB of gzip that inflates to 100 MB: the limit counts decompressed bytes.
    name: 'gzip bomb (100 MB once decompressed)',
    request: async () => ({ method: 'POST', url: SEARCH, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: await gzipBomb(100) }),
    expect: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  },
  bad('truncated gzip body', { ...gzipped(gzipSync, 'gzip', { filter: null }), payload: gzipSync('{"filter":null}').subarray(0, 12) }),
  ok('identity content encoding', { method: 'POST', url: SEARCH, headers: { 'content-encoding': 'identity' }, payload: '{}' }),
  bad('ingest with attributes nested 10,000 deep', { method: 'POST', url: LIST, payload: `[{"trace_id":"d-1","span_id":"d-1","span_name":"x","ts":"2026-01-01T00:00:00Z","duration_ms":1,"status_code":"OK","attributes":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}]` }),
  bad('ingest with NUL in input_text (raw JSON)', { method: 'POST', url: LIST, payload: '[{"trace_id":"n-1","span_id":"n-1","span_name":"x","ts":"2026-01-01T00:00:00Z","duration_ms":1,"status_code":"OK","input_text":"a\\u0000b"}]' }),
  bad('ingest with a lone surrogate in input_text (raw JSON)', { method: 'POST', url: LIST, payload: '[{"trace_id":"n-2","span_id":"n-2","span_name":"x","ts":"2026-01-01T00:00:00Z","duration_ms":1,"status_code":"OK","input_text":"a\\ud800b"}]' }),
  bad('ingest with NUL in an attribute key (raw JSON)', { method: 'POST', url: LIST, payload: '[{"trace_id":"n-3","span_id":"n-3","span_name":"x","ts":"2026-01-01T00:00:00Z","duration_ms":1,"status_code":"OK","attributes":{"a\\u0000":1}}]' }),
  bad('ingest with 1e309 tokens (raw JSON)', { method: 'POST', url: LIST, payload: '[{"trace_id":"n-4","span_id":"n-4","span_name":"x","ts":"2026-01-01T00:00:00Z","duration_ms":1,"status_code":"OK","prompt_tokens":1e309}]' }),
  bad('ingest with an invalid date', { method: 'POST', url: LIST, payload: [{ trace_id: 'n-5', span_id: 'n-5', span_name: 'x', ts: '2026-02-30T00:00:00Z', duration_ms: 1, status_code: 'OK' }] }),
];

export const CASES: readonly CorpusCase[] = [
  ...nameCases,
  ...attributePathCases,
  ...operatorCases,
  ...typeCases,
  ...nulSurrogateCases,
  ...searchCases,
  ...literalCases,
  ...queryStringCases,
  ...resourceCases,
  ...cursorCases,
  ...tenantCases,
  ...bodyCases,
];

/** Identities whose answers may legitimately contain the other tenant's data. */
export const SEES_OTHER_TENANT: ReadonlySet<IdentityName> = new Set(['admin', 'otherDev']);

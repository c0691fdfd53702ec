// Runs every case of the hostile-input corpus (corpus.ts) on both engines.
// Per case: the expected status and code, never a 5xx, the error envelope, no
// SQL text or stack trace in the body, no hostile text in the SQL sent to the
// database, and never another tenant's row or secret.
import { ERRORS, type ErrorCode } from '../../src/errors.js';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cursorKeyFrom } from '../../src/query/cursor.js';
import { TEST_SECRET, bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { recording } from '../helpers/recording-driver.js';
import { insertSpans } from '../helpers/spans.js';
import {
  CASES,
  FIXTURE,
  IDENTITIES,
  OTHER_SECRET,
  OWN_SPAN_IDS,
  SEES_OTHER_TENANT,
  SQL_MARKERS,
  type CorpusContext,
  type CorpusRequest,
  type IdentityName,
} from './corpus.js';

// Fragments of the SQL tracelens compiles, PostgreSQL's error wording, and stack frames.
const LEAK_PATTERNS: readonly RegExp[] = [
  /FROM llm_traces/i, /COLLATE "C"/, /::(text|bigint|numeric|jsonb|timestamptz)\b/, /websearch_to_tsquery/, /= ANY\(/, /ORDER BY/,
  /syntax error at or near/, /invalid input syntax/, /\bERROR:/, /relation "/,
  /\n\s+at /, /\.[cm]?[jt]s:\d+/, /node_modules/,
];

type Json = Record<string, unknown>;

describeEachBackend('hostile-input corpus', (backend) => {
  let app: FastifyInstance;
  let sql: string[];
  const headersOf = new Map<IdentityName, Record<string, string>>();

  beforeAll(async () => {
    await insertSpans(backend().driver, FIXTURE);
    const rec = recording(backend().driver);
    sql = rec.sql;
    app = await buildTestApp(rec.driver);
    for (const [name, id] of Object.entries(IDENTITIES)) headersOf.set(name as IdentityName, await bearer({ sub: `user-${name}`, ...id }));
    headersOf.set('anonymous', {});
  });
  afterAll(async () => app?.close());

  const send = (r: CorpusRequest) => {
    const headers: Record<string, string> = { ...headersOf.get(r.as ?? 'dev')!, ...r.headers };
    let payload: string | Buffer | undefined;
    if (r.payload !== undefined) {
      payload = typeof r.payload === 'string' || Buffer.isBuffer(r.payload) ? r.payload : JSON.stringify(r.payload);
      headers['content-type'] ??= 'application/json';
    }
    return app.inject({ method: r.method, url: r.url, headers, ...(payload !== undefined ? { payload } : {}) });
  };

  const ctx: CorpusContext = {
    async cursorOf(payload, as = 'dev') {
      const res = await send({ method: 'POST', url: '/api/v1/traces/search', payload, as });
      const cursor = res.json().pagination?.cursor;
      if (typeof cursor !== 'string') throw new Error(`no cursor for ${JSON.stringify(payload)}: ${res.body.slice(0, 200)}`);
      return cursor;
    },
    serverCursorKey: cursorKeyFrom(null, TEST_SECRET, () => {
      throw new Error('the test app signs cursors with a key derived from TEST_SECRET');
    }),
  };

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const request = typeof c.request === 'function' ? await c.request(ctx) : c.request;
    const sqlBefore = sql.length;
    const res = await send(request);
    const context = `${request.method} ${request.url.slice(0, 120)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;

    expect(res.statusCode, context).toBeLessThan(500);
    expect(res.statusCode, context).toBe(c.expect.status);
    expect(res.headers['content-type'], context).toMatch(/^application\/json/);
    const body = res.json<Json>();
    if (res.statusCode >= 400) assertErrorEnvelope(res, body, c.expect.code, context);
    else expect(body.status, context).toBe('success');

    for (const p of LEAK_PATTERNS) expect(res.body, `${context}\nleaks ${p}`).not.toMatch(p);
    for (const text of sql.slice(sqlBefore)) {
      for (const m of SQL_MARKERS) expect(text, `hostile text ${m} reached the SQL text`).not.toContain(m);
    }
    if (!SEES_OTHER_TENANT.has(request.as ?? 'dev')) expect(res.body, context).not.toContain(OTHER_SECRET);

    const data = rowsOf(body);
    if (c.expect.spanIds !== undefined) {
      expect(data.map((r) => r.span_id).sort(), context).toEqual([...c.expect.spanIds].sort());
    }
    if (c.expect.noRowsFromOtherTenants || c.expect.spanIds !== undefined) {
      for (const row of data) {
        if (row.span_id !== undefined) expect(OWN_SPAN_IDS, context).toContain(row.span_id);
        if (row.project_id !== undefined) expect(row.project_id, context).toBe('proj-a');
      }
    }
  });
});

function assertErrorEnvelope(res: LightMyRequestResponse, body: Json, code: string | undefined, context: string) {
  expect(Object.keys(body).sort(), context).toEqual(['error', 'meta']);
  const error = body.error as Json;
  const meta = body.meta as Json;
  if (code !== undefined) expect(error.code, context).toBe(code);
  // Every code answered is in the registry, with the status the registry gives it.
  expect(ERRORS[error.code as ErrorCode]?.status, context).toBe(res.statusCode);
  expect(typeof error.message, context).toBe('string');
  expect(Object.keys(error).every((k) => ['code', 'message', 'details'].includes(k)), context).toBe(true);
  expect(Object.keys(meta).sort(), context).toEqual(['request_id', 'timestamp']);
  expect(meta.request_id, context).toBe(res.headers['x-request-id']);
  expect(Number.isNaN(Date.parse(String(meta.timestamp))), context).toBe(false);
}

/** The rows of a page, or the spans of a trace; none for errors. */
function rowsOf(body: Json): Json[] {
  const data = body.data;
  if (Array.isArray(data)) return data as Json[];
  if (data && typeof data === 'object' && Array.isArray((data as Json).spans)) return (data as Json).spans as Json[];
  return [];
}

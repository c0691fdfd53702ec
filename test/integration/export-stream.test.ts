// POST /traces/export on both engines: every row the search returns paged to
// its end, once, in order, with the same values, as NDJSON and as CSV parsed
// back by a real CSV parser; gzip round-trips; scope, fields and cost
// permissions as in search; CSV injection neutralised.
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { exportSpans, HOSTILE_TEXTS, parseCsvRows, parseNdjson, searchToEnd } from '../helpers/export.js';
import { insertSpans } from '../helpers/spans.js';
import { principal } from '../helpers/principal.js';
import { exportSearchRequest } from '../../src/export/export-request.js';

const BODIES: Record<string, unknown>[] = [
  {},
  { sort_by: 'duration_ms', sort_desc: false },
  { sort_by: 'provider', fields: ['span_id', 'provider', 'input_text', 'tags', 'attributes', 'total_cost_usd'] },
  { filter: { field: 'status_code', operator: 'eq', value: 'OK' }, sort_by: 'total_cost_usd', sort_desc: true },
  { filter: { field: 'provider', operator: 'eq', value: 'nobody' } },
  { from: '2026-10-01T00:30:00Z', to: '2026-10-01T01:00:00Z', sort_by: 'prompt_tokens' },
];

describeEachBackend('streaming export', (backend) => {
  let app: FastifyInstance;
  let admin: Record<string, string>;
  let viewerA: Record<string, string>;

  beforeAll(async () => {
    await insertSpans(backend().driver, exportSpans(300));
    app = await buildTestApp(backend().driver);
    admin = await bearer({ role: 'admin' });
    viewerA = await bearer({ role: 'viewer', projects: ['proj-a'] });
  });
  afterAll(async () => app?.close());

  const post = (headers: Record<string, string>, payload: Record<string, unknown>, extra: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/traces/export', headers: { ...headers, ...extra }, payload });

  for (const [i, body] of BODIES.entries()) {
    it(`NDJSON equals the search paged to its end (case ${i})`, async () => {
      const expected = await searchToEnd(app, viewerA, body);
      const res = await post(viewerA, body);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(parseNdjson(res.body)).toEqual(expected);
    });

    it(`CSV parsed back equals the search paged to its end (case ${i})`, async () => {
      const expected = await searchToEnd(app, viewerA, body);
      const res = await post(viewerA, { ...body, format: 'csv' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const { header, rows } = parseCsvRows(res.body);
      expect(header).toEqual(expected[0] ? Object.keys(expected[0]) : header);
      expect(rows).toEqual(expected);
    });
  }

  it('exports every project to an admin, only its own to a viewer', async () => {
    const all = parseNdjson((await post(admin, {})).body);
    const mine = parseNdjson((await post(viewerA, {})).body);
    expect(all).toHaveLength(300);
    expect(mine).toHaveLength(225);
    expect(new Set(mine.map((r) => r.project_id))).toEqual(new Set(['proj-a']));
  });

  it('gzip round-trips to the same bytes when the client accepts it', async () => {
    for (const format of ['ndjson', 'csv']) {
      const plain = await post(viewerA, { format });
      const zipped = await post(viewerA, { format }, { 'accept-encoding': 'br;q=1, gzip;q=0.5' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
      const refused = await post(viewerA, { format }, { 'accept-encoding': 'gzip;q=0' });
      expect(refused.headers['content-encoding']).toBeUndefined();
    }
  });

  it('neutralises CSV injection and keeps NDJSON text as stored', async () => {
    const body = { fields: ['span_id', 'input_text', 'error_message'], sort_by: 'ts', sort_desc: false };
    const csv = (await post(admin, { ...body, format: 'csv' })).body;
    for (const bad of ['=HYPERLINK', '+1+2', '-2+3', '@SUM', '-1 is not']) {
      expect(csv).toContain(`"'${bad}`);
      expect(csv).not.toMatch(new RegExp(`(^|,)"${bad.replace(/[+]/g, '\\+')}`, 'm'));
    }
    expect(csv).toContain(`"'\tleading tab"`);
    expect(csv).toContain(`"'\rleading carriage return"`);
    const texts = new Set(parseNdjson((await post(admin, body)).body).map((r) => r.input_text));
    for (const t of HOSTILE_TEXTS) expect(texts.has(t)).toBe(true);
  });

  it('applies the cost permission as search does', () => {
    // No role reads traces without costs today; the rule is search's own, so check it where export builds its request.
    const noCosts = principal('viewer', ['proj-a'], { permissions: new Set(['read:traces']) });
    expect(exportSearchRequest({}, noCosts).fields.map((f) => f.name)).not.toContain('total_cost_usd');
    for (const body of [{ fields: ['total_cost_usd'] }, { sort_by: 'total_cost_usd' }, { filter: { field: 'total_cost_usd', operator: 'gt', value: 0 } }]) {
      expect(() => exportSearchRequest(body, noCosts)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    }
  });

  it('rejects paging, unknown formats and bad filters with a 400 before streaming', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ limit: 10 }, 'BAD_REQUEST'],
      [{ cursor: 'x' }, 'BAD_REQUEST'],
      [{ format: 'xml' }, 'BAD_REQUEST'],
      [{ filter: { field: 'nope', operator: 'eq', value: 1 } }, 'INVALID_FILTER'],
    ];
    for (const [body, code] of cases) {
      const res = await post(viewerA, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code, JSON.stringify(body)).toBe(code);
    }
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/traces/export', payload: {} });
    expect(anonymous.statusCode).toBe(401);
  });

  it('writes only a header for CSV and nothing for NDJSON when nothing matches', async () => {
    const body = { filter: { field: 'provider', operator: 'eq', value: 'nobody' }, fields: ['ts', 'span_id'] };
    expect((await post(viewerA, body)).body).toBe('');
    expect((await post(viewerA, { ...body, format: 'csv' })).body).toBe('ts,span_id\r\n');
  });
});

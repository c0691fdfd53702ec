// Hand-made OTLP requests for what real clients trip on: int64 as strings and
// numbers, base64 and upper-case ids, missing parents, oversized values,
// malformed payloads, partial success, tenant rejection, encodings.
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ExportTraceServiceRequest, ExportTraceServiceResponse, RpcStatus } from '../../src/ingest/otlp/schema.js';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend, truncateSpans } from '../helpers/backends.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const hexToB64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

type Json = Record<string, unknown>;
const kv = (key: string, value: unknown): Json => {
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  if (typeof value === 'number' && Number.isInteger(value)) return { key, value: { intValue: value } };
  return { key, value: { doubleValue: value } };
};
const request = (spans: Json[], resource: Json[] = [kv('tracelens.project.id', 'proj-a')]) => ({
  resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 'edge', version: '1' }, spans }] }],
});
const jsonSpan = (over: Json = {}): Json => ({
  traceId: TRACE,
  spanId: 'eee19b7ec3c1b174',
  name: 'chat',
  kind: 3,
  startTimeUnixNano: '1764540000123456789',
  endTimeUnixNano: '1764540000623456789',
  attributes: [],
  status: {},
  ...over,
});

describeEachBackend('OTLP edge cases', (backend) => {
  let app: FastifyInstance;
  let dev: Record<string, string>;
  const db = () => backend().driver;
  const rows = async () =>
    (await db().query<Json>(`SELECT span_id, parent_span_id, trace_id, project_id, ts, duration_ms, status_code, error_message, input_text, prompt_tokens, total_tokens, total_cost_usd::text AS cost, attributes FROM llm_traces ORDER BY span_id`)).rows;
  const postJson = (body: unknown, headers: Json = {}) =>
    app.inject({ method: 'POST', url: '/v1/traces', headers: { ...dev, 'content-type': 'application/json', ...headers } as never, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const postProto = (body: Buffer, headers: Json = {}) =>
    app.inject({ method: 'POST', url: '/v1/traces', headers: { ...dev, 'content-type': 'application/x-protobuf', ...headers } as never, payload: body });
  const protoOf = (obj: unknown) => Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(obj as Json)).finish());

  beforeAll(async () => {
    app = await buildTestApp(db(), { BODY_LIMIT_BYTES: String(2 * 1024 * 1024) });
    dev = await bearer({ role: 'developer', projects: ['proj-a'] });
  });
  afterAll(async () => app?.close());
  beforeEach(async () => truncateSpans(db()));

  it('keeps nanosecond int64 exact whether sent as strings or as (unsafe) JSON numbers, and enums as names', async () => {
    const text = JSON.stringify(request([jsonSpan({ status: { code: 'STATUS_CODE_ERROR', message: 'boom' }, kind: 'SPAN_KIND_CLIENT' })])).replace(
      '"startTimeUnixNano":"1764540000123456789"',
      '"startTimeUnixNano":1764540000123456789',
    );
    const res = await postJson(text);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    const [r] = await rows();
    expect((r!.ts as Date).toISOString()).toBe('2025-11-30T22:00:00.123Z');
    // Microseconds survive: 0.123456 s.
    const us = (await db().query<{ us: string }>(`SELECT to_char(ts AT TIME ZONE 'UTC', 'US') AS us FROM llm_traces`)).rows[0]!.us;
    expect(us).toBe('123456');
    expect(r).toMatchObject({ duration_ms: 500, status_code: 'ERROR', error_message: 'boom' });
    expect((r!.attributes as Json)['otel.span.kind']).toBe('CLIENT');
  });

  it('accepts base64 and upper-case hex ids and stores lower-case hex; absent, empty and unknown parents are fine', async () => {
    const res = await postJson(
      request([
        jsonSpan({ traceId: hexToB64(TRACE), spanId: hexToB64('0000000000000001') }),
        jsonSpan({ traceId: TRACE.toUpperCase(), spanId: '00000000000000AB', parentSpanId: '' }),
        jsonSpan({ spanId: '0000000000000002', parentSpanId: 'FFFFFFFFFFFFFFFF' }),
      ]),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    const stored = await rows();
    expect(stored.map((r) => [r.trace_id, r.span_id, r.parent_span_id])).toEqual([
      [TRACE, '0000000000000001', null],
      [TRACE, '0000000000000002', 'ffffffffffffffff'],
      [TRACE, '00000000000000ab', null],
    ]);
  });

  it('answers a protobuf request in protobuf, and partial success names the rejected spans', async () => {
    const body = protoOf({
      resourceSpans: [
        {
          resource: { attributes: [kv('tracelens.project.id', 'proj-a')] },
          scopeSpans: [
            {
              spans: [
                { traceId: Buffer.from(TRACE, 'hex'), spanId: Buffer.from('1111111111111111', 'hex'), name: 'ok', startTimeUnixNano: '1764540000000000000', endTimeUnixNano: '1764540001000000000' },
                { traceId: Buffer.from('abcd', 'hex'), spanId: Buffer.from('2222222222222222', 'hex'), name: 'short trace id' },
              ],
            },
          ],
        },
        // A project this token may not write: rejected, never stored elsewhere.
        { resource: { attributes: [kv('tracelens.project.id', 'proj-b')] }, scopeSpans: [{ spans: [{ traceId: Buffer.from(TRACE, 'hex'), spanId: Buffer.from('3333333333333333', 'hex'), name: 'other tenant' }] }] },
      ],
    });
    const res = await postProto(body);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-protobuf/);
    const answer = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(res.rawPayload), { longs: Number });
    expect(answer.partialSuccess).toMatchObject({ rejectedSpans: 2 });
    const message = (answer.partialSuccess as { errorMessage: string }).errorMessage;
    expect(message).toContain('traceId');
    expect(message).toContain("no write access to project 'proj-b'");
    expect((await rows()).map((r) => [r.span_id, r.project_id])).toEqual([['1111111111111111', 'proj-a']]);
    // And the same in JSON.
    const json = await postJson(request([jsonSpan({ spanId: 'zz' })]));
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ partialSuccess: { rejectedSpans: 1 } });
  });

  it('is a 400 with the OTLP error code for malformed protobuf and for JSON sent as protobuf; protobuf errors are google.rpc.Status', async () => {
    for (const body of [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), Buffer.from(JSON.stringify(request([jsonSpan()])))]) {
      const res = await postProto(body);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/x-protobuf/);
      const status = RpcStatus.toObject(RpcStatus.decode(res.rawPayload)) as { code: number; message: string };
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/^OTLP_INVALID_PAYLOAD: /);
    }
    const bad = await postJson('{"resourceSpans": [');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('OTLP_INVALID_PAYLOAD');
    const wrongShape = await postJson({ resourceSpans: { not: 'a list' } });
    expect(wrongShape.statusCode).toBe(400);
    expect(wrongShape.json().error.code).toBe('OTLP_INVALID_PAYLOAD');
    expect(await rows()).toEqual([]);
  });

  it('is a 415 for other content types, 401 without a token, 403 without write:traces, 413 past the limit once decompressed', async () => {
    const plain = await app.inject({ method: 'POST', url: '/v1/traces', headers: { ...dev, 'content-type': 'text/plain' }, payload: 'x' });
    expect(plain.statusCode).toBe(415);
    expect(plain.json().error.code).toBe('OTLP_UNSUPPORTED_CONTENT_TYPE');
    const anon = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(anon.statusCode).toBe(401);
    const viewer = await bearer({ role: 'viewer', projects: ['proj-a'] });
    const denied = await app.inject({ method: 'POST', url: '/api/v1/otlp/v1/traces', headers: { ...viewer, 'content-type': 'application/json' }, payload: '{}' });
    expect(denied.statusCode).toBe(403);
    // 3 MB of zeros gzip to a few kB; the limit is 2 MB decompressed.
    const bomb = gzipSync(Buffer.alloc(3 * 1024 * 1024));
    const big = await postProto(bomb, { 'content-encoding': 'gzip' });
    expect(big.statusCode).toBe(413);
  });

  it('stores oversized values cut to the ingest limits, recording what was cut', async () => {
    const huge = 'x'.repeat(300 * 1024);
    const res = await postJson(
      request([
        jsonSpan({
          attributes: [kv('gen_ai.input.messages', huge), kv('big.one', 'y'.repeat(100 * 1024)), kv('small', 'kept'), kv('nul', 'a\u0000b')],
        }),
      ]),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    const [r] = await rows();
    expect((r!.input_text as string).length).toBe(256 * 1024);
    const attrs = r!.attributes as Json;
    expect(attrs.small).toBe('kept');
    expect(attrs.nul).toBe('a\uFFFDb');
    expect((attrs['big.one'] as string).length).toBe(1024);
    expect(attrs['tracelens.truncated']).toEqual({ fields: ['input_text'], attribute_strings: 1 });
  });

  it('counts tokens only on the model call, not on a parent that repeats them, and prices dated model versions', async () => {
    const usage = [kv('gen_ai.usage.input_tokens', 2000), kv('gen_ai.usage.output_tokens', 1000)];
    await postJson(
      request([
        jsonSpan({ spanId: '00000000000000a1', name: 'workflow', attributes: [...usage] }),
        jsonSpan({ spanId: '00000000000000a2', parentSpanId: '00000000000000a1', attributes: [...usage, kv('gen_ai.request.model', 'claude-3-5-sonnet-20241022'), kv('gen_ai.system', 'Anthropic')] }),
      ]),
    );
    const [parent, child] = await rows();
    expect(parent).toMatchObject({ prompt_tokens: null, total_tokens: null, cost: null });
    expect((parent!.attributes as Json)['gen_ai.usage.input_tokens']).toBe(2000);
    // 2000 * 3 / 1M + 1000 * 15 / 1M
    expect(child).toMatchObject({ prompt_tokens: 2000, total_tokens: 3000, cost: '0.0210000000' });
    expect((child!.attributes as Json)['tracelens.cost']).toMatchObject({ entry: 'claude-3-5-sonnet', provider: 'anthropic' });
  });

  it('takes the project from openinference.project.name or service.name only where the caller may write it', async () => {
    const two = await bearer({ role: 'developer', projects: ['proj-a', 'svc'] });
    const res = await postJson(
      {
        resourceSpans: [
          { resource: { attributes: [kv('service.name', 'svc')] }, scopeSpans: [{ spans: [jsonSpan({ spanId: '0000000000000001' })] }] },
          { resource: { attributes: [kv('service.name', 'nope')] }, scopeSpans: [{ spans: [jsonSpan({ spanId: '0000000000000002' })] }] },
        ],
      },
      two,
    );
    expect(res.json()).toMatchObject({ partialSuccess: { rejectedSpans: 1 } });
    expect((await rows()).map((r) => [r.span_id, r.project_id])).toEqual([['0000000000000001', 'svc']]);
  });
});

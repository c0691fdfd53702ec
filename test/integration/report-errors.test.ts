// The report routes declare every error they answer (OpenAPI, per route), and
// each condition answers its own code. The test app's guard
// (helpers/declared-errors.ts) fails any request below whose code the route
// does not declare.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';

const RANGE = 'from=2026-10-05T00:00:00Z&to=2026-10-07T00:00:00Z';
const REPORTS = [
  '/analytics/performance',
  '/analytics/quality',
  '/analytics/models/compare',
  '/analytics/optimization',
  '/metrics/summary',
  '/costs/summary',
  '/analytics/costs',
  '/costs/attribution',
  '/analytics/costs/breakdown',
  '/costs/forecast',
];

describeEachBackend('report routes: declared error codes', (backend) => {
  let app: FastifyInstance;
  let dev: Record<string, string>;
  const get = (path: string, headers = dev) => app.inject({ url: `/api/v1${path}`, headers });
  const codeOf = async (path: string, headers = dev) => {
    const res = await get(path, headers);
    return [res.statusCode, res.json().error?.code] as const;
  };

  beforeAll(async () => {
    app = await buildTestApp(backend().driver);
    dev = await bearer({ role: 'developer', projects: ['proj-a'] });
  });
  afterAll(async () => app?.close());

  it('the OpenAPI document lists, per report route and method, its codes by status', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const codes = (path: string, method: 'get' | 'post', status: number): string[] =>
      doc.paths[`/api/v1${path}`][method].responses[status].content['application/json'].schema.properties.error.properties.code.enum;
    for (const path of REPORTS) {
      for (const method of ['get', 'post'] as const) {
        expect(codes(path, method, 400), `${method} ${path}`).toEqual(expect.arrayContaining(['INVALID_PARAMETER', 'INVALID_FILTER', 'INVALID_TIME_RANGE']));
        expect(codes(path, method, 403)).toEqual(['FORBIDDEN']);
        expect(codes(path, method, 401)).toEqual(['UNAUTHORIZED']);
      }
    }
    expect(codes('/analytics/models/compare', 'get', 400)).toContain('COMPARE_MODEL_COUNT');
    expect(codes('/costs/attribution', 'get', 400)).toEqual(expect.arrayContaining(['ATTRIBUTION_DIMENSION_INVALID', 'INVALID_CURSOR']));
    expect(codes('/costs/summary', 'get', 400)).not.toContain('COMPARE_MODEL_COUNT');
  });

  it('answers each condition with its own declared code', async () => {
    const billing = await bearer({ role: 'billing', projects: ['proj-a'] });
    expect(await codeOf(`/analytics/performance?${RANGE}`, billing)).toEqual([403, 'FORBIDDEN']);
    expect(await codeOf(`/analytics/performance?${RANGE}`, {})).toEqual([401, 'UNAUTHORIZED']);
    expect(await codeOf(`/analytics/performance?${RANGE}&granularity=fortnight`)).toEqual([400, 'INVALID_PARAMETER']);
    expect(await codeOf('/analytics/quality?from=yesterday')).toEqual([400, 'INVALID_TIME_RANGE']);
    expect(await codeOf('/costs/summary?from=2026-10-07T00:00:00Z&to=2026-10-05T00:00:00Z')).toEqual([400, 'INVALID_TIME_RANGE']);
    expect(await codeOf(`/analytics/models/compare?${RANGE}&models=gpt-4o`)).toEqual([400, 'COMPARE_MODEL_COUNT']);
    expect(await codeOf(`/costs/attribution?${RANGE}&dimension=weather`)).toEqual([400, 'ATTRIBUTION_DIMENSION_INVALID']);
    expect(await codeOf(`/costs/attribution?${RANGE}&cursor=not-a-cursor`)).toEqual([400, 'INVALID_CURSOR']);
    expect(await codeOf(`/costs/summary?${RANGE}&project_id=proj-z`)).toEqual([403, 'FORBIDDEN']);
    const post = await app.inject({
      method: 'POST',
      url: '/api/v1/costs/forecast',
      headers: dev,
      payload: { from: '2026-10-05T00:00:00Z', filter: { field: 'model', operator: 'matches', value: 'x' } },
    });
    expect([post.statusCode, post.json().error.code]).toEqual([400, 'INVALID_FILTER']);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';

describeEachBackend('OpenAPI document and docs UI', (backend) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp(backend().driver);
  });
  afterAll(async () => app?.close());

  it('serves an OpenAPI 3 document generated from the route schemas', async () => {
    const res = await app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/api/v1/traces/{trace_id}']));
    expect(doc.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
    expect(doc.components.schemas.Span.properties.total_cost_usd).toBeTruthy();
  });

  it('serves the browsable UI at /docs', async () => {
    const res = await app.inject({ url: '/docs/' });
    expect([200, 302]).toContain(res.statusCode);
    const page = res.statusCode === 302 ? await app.inject({ url: res.headers.location as string }) : res;
    expect(page.body).toMatch(/swagger/i);
  });
});

// The guard every test app carries (helpers/declared-errors.ts): an error code
// a route answers without declaring it in its response schema becomes a 500
// naming it, so the test that provokes it fails.
import Fastify from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appError } from '../../src/errors.js';
import { errorResponses } from '../../src/http/error-responses.js';
import errorsPlugin from '../../src/http/plugins/errors.js';
import { guardDeclaredErrors, UNDECLARED_ERROR } from '../helpers/declared-errors.js';

const app = Fastify();

beforeAll(async () => {
  await app.register(errorsPlugin);
  app.get('/declared', { schema: { response: errorResponses(['FORBIDDEN']) } }, async () => {
    throw appError.FORBIDDEN('no');
  });
  app.get('/undeclared', { schema: { response: errorResponses(['FORBIDDEN']) } }, async () => {
    throw appError.INVALID_PARAMETER('limit', 'must be a number');
  });
  app.get('/no-schema', async () => {
    throw appError.NOT_FOUND('gone');
  });
  guardDeclaredErrors(app);
  await app.ready();
});
afterAll(async () => app.close());

it('lets a declared code through unchanged', async () => {
  const res = await app.inject({ url: '/declared' });
  expect(res.statusCode).toBe(403);
  expect(res.json().error.code).toBe('FORBIDDEN');
});

it('turns a code the route does not declare into a 500 naming the route, status and code', async () => {
  for (const url of ['/undeclared', '/no-schema']) {
    const res = await app.inject({ url });
    expect(res.statusCode, url).toBe(500);
    expect(res.json().error.code).toBe(UNDECLARED_ERROR);
    expect(res.json().error.message).toMatch(new RegExp(`^GET ${url} answered 4\\d\\d (INVALID_PARAMETER|NOT_FOUND) without declaring it`));
  }
});

it('leaves paths no route matches alone (ROUTE_NOT_FOUND has no route to declare it)', async () => {
  const res = await app.inject({ url: '/nowhere' });
  expect(res.statusCode).toBe(404);
});

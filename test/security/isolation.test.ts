// Tenant isolation beyond single requests (the single-request cases are rows of
// corpus.ts): a foreign trace is indistinguishable from a missing one, result
// cache entries never cross tenants or roles (in-process and Redis), and a
// rejected ingest stores nothing at all.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/backends.js';
import { insertSpans, span } from '../helpers/spans.js';
import { FIXTURE, IDENTITIES, OTHER_PROJECT, OTHER_SECRET, OTHER_TRACE_ID, OWN_PROJECT } from './corpus.js';

type Who = keyof typeof IDENTITIES;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** An error body with everything request-specific taken out. */
function comparable(res: LightMyRequestResponse, requestedId: string) {
  const body = res.json();
  return {
    status: res.statusCode,
    contentType: res.headers['content-type'],
    error: { ...body.error, message: String(body.error.message).replaceAll(requestedId, '<id>') },
    metaKeys: Object.keys(body.meta).sort(),
  };
}

describeEachBackend('tenant isolation', (backend) => {
  const apps: FastifyInstance[] = [];
  const headers = new Map<Who, Record<string, string>>();
  beforeAll(async () => {
    await insertSpans(backend().driver, FIXTURE);
    for (const [name, id] of Object.entries(IDENTITIES)) headers.set(name as Who, await bearer({ sub: `user-${name}`, ...id }));
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });
  const build = async (env: Record<string, string> = {}) => {
    const app = await buildTestApp(backend().driver, env);
    apps.push(app);
    return app;
  };

  describe.each<[string, Record<string, string>]>([
    ['cache off', {}],
    ['in-process cache', { CACHE_ENABLED: 'true' }],
    ['Redis cache', { CACHE_ENABLED: 'true', REDIS_URL, CACHE_KEY_PREFIX: `tl-iso-${randomBytes(4).toString('hex')}:` }],
  ])('%s', (_label, env) => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await build(env);
    });
    const as = (who: Who, method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({ method, url, headers: headers.get(who)!, ...(payload ? { payload } : {}) });

    it("answers another tenant's trace exactly like a missing one, even after admin cached it", async () => {
      expect((await as('admin', 'GET', `/api/v1/traces/${OTHER_TRACE_ID}`)).statusCode).toBe(200);
      expect((await as('otherDev', 'GET', `/api/v1/traces/${OTHER_TRACE_ID}`)).statusCode).toBe(200);
      const foreign = await as('dev', 'GET', `/api/v1/traces/${OTHER_TRACE_ID}`);
      const missing = await as('dev', 'GET', '/api/v1/traces/tb-never-existed');
      expect(foreign.statusCode).toBe(404);
      expect(comparable(foreign, OTHER_TRACE_ID)).toEqual(comparable(missing, 'tb-never-existed'));
      expect(foreign.body).not.toContain(OTHER_SECRET);
      // Asked twice: a 404 is never cached into something else.
      expect(comparable(await as('dev', 'GET', `/api/v1/traces/${OTHER_TRACE_ID}`), OTHER_TRACE_ID)).toEqual(comparable(missing, 'tb-never-existed'));
    });

    it('never serves one tenant or role an entry another one filled', async () => {
      const payload = { filter: { field: 'provider', operator: 'in', value: ['openai', 'lit'] }, fields: ['span_id', 'project_id', 'user_id'] };
      const search = (who: Who) => as(who, 'POST', '/api/v1/traces/search', payload);
      const list = (who: Who) => as(who, 'GET', '/api/v1/traces?provider=openai');
      for (const run of [search, list]) {
        const admin = await run('admin');
        const adminAgain = await run('admin');
        const other = await run('otherDev');
        const dev = await run('dev');
        const viewer = await run('viewer'); // same projects as dev, another role
        for (const res of [admin, adminAgain, other, dev, viewer]) expect(res.statusCode).toBe(200);
        if (env.CACHE_ENABLED) expect(adminAgain.json().meta.cached).toBe(true); // the cache is really on
        for (const res of [other, dev, viewer]) expect(res.json().meta.cached).toBe(false);
        const projects = (res: LightMyRequestResponse) => new Set(res.json().data.map((r: { project_id: string }) => r.project_id));
        expect(projects(admin)).toEqual(new Set([OWN_PROJECT, OTHER_PROJECT]));
        expect(projects(other)).toEqual(new Set([OTHER_PROJECT]));
        expect(projects(dev)).toEqual(new Set([OWN_PROJECT]));
        expect(projects(viewer)).toEqual(new Set([OWN_PROJECT]));
        expect(dev.body).not.toContain(OTHER_SECRET);
        expect(viewer.body).not.toContain(OTHER_SECRET);
      }
    });
  });

  describe('ingest', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await build();
    });
    const stored = async (spanIds: string[]) =>
      (await backend().driver.query<{ n: number }>('SELECT count(*)::int AS n FROM llm_traces WHERE span_id = ANY($1::text[])', [spanIds])).rows[0]!.n;
    const ingest = (who: Who, spans: object[]) => app.inject({ method: 'POST', url: '/api/v1/traces', headers: headers.get(who)!, payload: spans });

    it.each([
      ['names another project', 'dev', [span({ span_id: 'ing-1', project_id: OTHER_PROJECT })], 403],
      ['mixes an own span with a foreign one', 'dev', [span({ span_id: 'ing-2', project_id: OWN_PROJECT }), span({ span_id: 'ing-3', project_id: OTHER_PROJECT })], 403],
      ['is sent by a viewer', 'viewer', [span({ span_id: 'ing-4', project_id: OWN_PROJECT })], 403],
      ['is sent by billing', 'billing', [span({ span_id: 'ing-5', project_id: OWN_PROJECT })], 403],
      ['is sent by admin without a project', 'admin', [{ ...span({ span_id: 'ing-6' }), project_id: undefined }], 400],
    ] as const)('stores nothing when the batch %s', async (_name, who, spans, status) => {
      const res = await ingest(who, [...spans]);
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(status === 403 ? 'FORBIDDEN' : 'INVALID_SPAN');
      expect(await stored(spans.map((s) => s.span_id))).toBe(0);
    });

    it('stores a gzip-compressed batch', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/traces',
        headers: { ...headers.get('dev')!, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload: gzipSync(JSON.stringify([span({ span_id: 'ing-gz', project_id: OWN_PROJECT })])),
      });
      expect(res.statusCode).toBe(201);
      expect(await stored(['ing-gz'])).toBe(1);
    });

    it('stores a span without project_id in the caller\'s only project (control)', async () => {
      const res = await ingest('dev', [{ ...span({ span_id: 'ing-ok' }), project_id: undefined }]);
      expect(res.statusCode).toBe(201);
      const row = await backend().driver.query<{ project_id: string }>("SELECT project_id FROM llm_traces WHERE span_id = 'ing-ok'");
      expect(row.rows).toEqual([{ project_id: OWN_PROJECT }]);
    });
  });
});

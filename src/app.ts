// buildApp(config, driver): registers plugins and routes; never listens, so
// tests drive it through inject() and the CLI decides how to serve it.
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Driver } from './storage/driver.js';
import errorsPlugin from './http/plugins/errors.js';
import healthRoutes from './http/routes/health.js';
import traceRoutes from './http/routes/traces.js';
import searchRoutes from './http/routes/search.js';
import listRoutes from './http/routes/list.js';
import { cursorKeyFrom } from './query/cursor.js';
import authPlugin from './http/plugins/auth.js';
import { SHARED_SCHEMAS } from './http/schemas.js';
import type { TokenVerifier } from './auth/tokens.js';
import './http/types.js';

export interface AppDeps {
  config: Config;
  driver: Driver;
  verifier: TokenVerifier;
  /** HMAC key of pagination cursors; default: from CURSOR_SECRET or JWT_SECRET, else random per process. */
  cursorKey?: Uint8Array;
  /** Pino options or false; tests pass false. */
  logger?: boolean | object;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, driver } = deps;
  const app = Fastify({
    logger: deps.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimitBytes,
    // Accept a caller's request id when it is sane, so traces line up across services.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  app.decorate('config', config);
  app.decorate('driver', driver);
  app.decorateRequest('principal', null);
  app.decorateRequest('startedAt', 0);
  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = performance.now();
    reply.header('X-Request-Id', String(request.id));
  });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  await app.register(errorsPlugin);
  await app.register(healthRoutes);
  const cursorKey = deps.cursorKey ?? cursorKeyFrom(config.cursorSecret, config.jwt.secret, () => randomBytes(32));
  // The protected API: auth runs first for every route registered in here.
  await app.register(
    async (api) => {
      await api.register(authPlugin, { verifier: deps.verifier });
      await api.register(traceRoutes);
      await api.register(searchRoutes, { cursorKey });
      await api.register(listRoutes, { cursorKey });
    },
    { prefix: '/api/v1' },
  );
  return app;
}

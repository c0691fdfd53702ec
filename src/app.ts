// buildApp(config, driver): registers plugins and routes; never listens, so
// tests drive it through inject() and the CLI decides how to serve it.
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportDir, type Config } from './config.js';
import type { Driver } from './storage/driver.js';
import { limitStatements } from './storage/statement-limit.js';
import errorsPlugin, { frameworkErrorHandler } from './http/plugins/errors.js';
import contentEncodingPlugin from './http/plugins/content-encoding.js';
import healthRoutes from './http/routes/health.js';
import metricsPlugin from './http/plugins/metrics.js';
import metricsRoutes from './http/routes/metrics.js';
import analyticsReportRoutes from './http/routes/analytics-reports.js';
import costRoutes from './http/routes/costs.js';
import traceRoutes from './http/routes/traces.js';
import ingestRoutes from './http/routes/ingest.js';
import searchRoutes from './http/routes/search.js';
import listRoutes from './http/routes/list.js';
import metricsQueryRoutes from './http/routes/metrics-query.js';
import otlpRoutes from './http/routes/otlp.js';
import { loadPriceTables } from './ingest/otlp/prices.js';
import exportRoutes from './http/routes/export.js';
import exportJobRoutes from './http/routes/export-jobs.js';
import { FileStore } from './export/file-store.js';
import { ExportWorker } from './export/worker.js';
import { cursorKeyFrom } from './query/cursor.js';
import authPlugin from './http/plugins/auth.js';
import openapiPlugin from './http/plugins/openapi.js';
import overloadPlugin from './http/plugins/overload.js';
import cachePlugin from './http/plugins/cache.js';
import rateLimitPlugin from './http/plugins/rate-limit.js';
import { SHARED_SCHEMAS } from './http/schemas.js';
import { clientErrorHandler } from './http/client-errors.js';
import type { TokenVerifier } from './auth/tokens.js';
import type { SchemaGate } from './storage/schema-gate.js';
import { appError } from './errors.js';
import { ReadRouter } from './replica/read-router.js';
import './http/types.js';

export interface AppDeps {
  config: Config;
  driver: Driver;
  verifier: TokenVerifier;
  /** Read replica for the read endpoints; defaults to driver. */
  reader?: Driver;
  /** When given, the API answers 503 until the schema is migrated. */
  schemaGate?: SchemaGate;
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
    // Slow-header and slow-body clients are cut off instead of holding sockets.
    requestTimeout: config.requestTimeoutMs,
    // Node checks those timeouts on this interval (default 30 s): check every second.
    http: { headersTimeout: config.headersTimeoutMs, connectionsCheckingInterval: 1000 },
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // The router's default (100) is below the 256 characters a trace id may have;
    // the route schemas bound each parameter with a proper 400.
    routerOptions: { maxParamLength: 1024 },
    // Accept a caller's request id when it is sane, so traces line up across services.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  app.decorate('config', config);
  app.decorate('driver', driver);
  app.decorate('reader', deps.reader ?? driver);
  app.decorate('analyticsReader', limitStatements(deps.reader ?? driver, config.dbAnalyticsParallelism));
  app.decorate('schemaReady', () => deps.schemaGate?.ready ?? true);
  app.decorateRequest('principal', null);
  app.decorateRequest('startedAt', 0);
  app.addHook('onRequest', async (request, reply) => {
    request.startedAt = performance.now();
    reply.header('X-Request-Id', String(request.id));
  });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  await app.register(errorsPlugin);
  await app.register(contentEncodingPlugin);
  await app.register(metricsPlugin);
  await app.register(overloadPlugin);
  await app.register(openapiPlugin);
  await app.register(cachePlugin);
  await app.register(healthRoutes, { cacheProbe: app.cacheProbe, replica: deps.reader instanceof ReadRouter ? deps.reader : undefined });
  await app.register(metricsRoutes, { verifier: deps.verifier });
  // Export jobs: the worker is built here and started by whoever serves (serve.ts, tests), once the schema is there.
  const exportFiles = new FileStore(exportDir(config));
  const exportWorker = new ExportWorker({ db: driver, reader: deps.reader ?? driver, config: config.export, files: exportFiles, log: app.log });
  app.decorate('exportWorker', exportWorker);
  app.addHook('onClose', async () => exportWorker.stop());
  const cursorKey = deps.cursorKey ?? cursorKeyFrom(config.cursorSecret, config.jwt.secret, () => randomBytes(32));
  const prices = loadPriceTables(config.pricesFile);
  // What every protected context runs first: the schema gate, auth, then the
  // rate limit (budgets are per principal and role).
  const protect = async (scope: FastifyInstance) => {
    const gate = deps.schemaGate;
    if (gate) {
      scope.addHook('onRequest', async () => {
        if (!gate.ready) throw appError.DATABASE_NOT_READY();
      });
    }
    await scope.register(authPlugin, { verifier: deps.verifier });
    await scope.register(rateLimitPlugin);
  };
  // OTLP/HTTP at the path exporters use by default, outside the /api/v1 prefix.
  await app.register(async (otlp) => {
    await protect(otlp);
    await otlp.register(otlpRoutes, { prices });
  });
  // The protected API.
  await app.register(
    async (api) => {
      await protect(api);
      await api.register(analyticsReportRoutes);
      await api.register(costRoutes, { cursorKey });
      await api.register(traceRoutes);
      await api.register(otlpRoutes, { prefix: '/otlp', prices });
      await api.register(ingestRoutes);
      await api.register(searchRoutes, { cursorKey });
      await api.register(listRoutes, { cursorKey });
      await api.register(metricsQueryRoutes);
      await api.register(exportRoutes);
      await api.register(exportJobRoutes, { files: exportFiles, worker: exportWorker });
    },
    { prefix: '/api/v1' },
  );
  return app;
}

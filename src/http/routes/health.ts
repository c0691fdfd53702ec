// GET /health: 200 while the database answers (degraded if only the cache is
// down), 503 when it does not. Bounded so a hung dependency cannot hang probes.
import type { FastifyInstance } from 'fastify';
import { API_VERSION } from '../envelope.js';

export type ComponentStatus = 'healthy' | 'unhealthy' | 'disabled';

/** Anything with a health probe that /health should report (the cache, later others). */
export interface HealthProbe {
  name: string;
  check(): Promise<ComponentStatus>;
}

const PROBE_TIMEOUT_MS = 2000;

export default async function healthRoutes(app: FastifyInstance, opts: { cacheProbe?: HealthProbe }) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Service health',
        response: {
          '2xx': { $ref: 'Health#' },
          503: { $ref: 'Health#' },
        },
      },
    },
    async (_request, reply) => {
      const reachable = await app.driver
        .ping(PROBE_TIMEOUT_MS)
        .then(() => true)
        .catch(() => false);
      // Reachable but not migrated yet (it was down at start) is not serviceable either.
      const database: ComponentStatus | 'migrating' = !reachable ? 'unhealthy' : app.schemaReady() ? 'healthy' : 'migrating';
      const cache: ComponentStatus = opts.cacheProbe
        ? await opts.cacheProbe.check().catch((): ComponentStatus => 'unhealthy')
        : 'healthy';
      const status = database !== 'healthy' ? 'unhealthy' : cache === 'unhealthy' ? 'degraded' : 'healthy';
      if (status === 'unhealthy') reply.header('Retry-After', '5');
      return reply.code(status === 'unhealthy' ? 503 : 200).send({
        status,
        database,
        cache,
        engine: app.driver.engine,
        timestamp: new Date().toISOString(),
        version: API_VERSION,
      });
    },
  );
}

export const healthSchema = {
  $id: 'Health',
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] },
    database: { type: 'string' },
    cache: { type: 'string' },
    engine: { type: 'string' },
    timestamp: { type: 'string' },
    version: { type: 'string' },
  },
} as const;

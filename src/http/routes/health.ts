// GET /health: 200 while the database answers (degraded if only the cache or
// the read replica is down or lagging), 503 when it does not. Bounded so a hung
// dependency cannot hang probes.
import type { FastifyInstance } from 'fastify';
import type { ReplicaStatus } from '../../replica/read-router.js';
import { API_VERSION } from '../envelope.js';
import { errorResponses } from '../error-responses.js';

export type ComponentStatus = 'healthy' | 'unhealthy' | 'disabled';

/** Anything with a health probe that /health should report (the cache, later others). */
export interface HealthProbe {
  name: string;
  check(): Promise<ComponentStatus>;
}

const PROBE_TIMEOUT_MS = 2000;

export interface HealthOptions {
  cacheProbe?: HealthProbe;
  /** The read replica's state as the lag probe last saw it; absent without a replica. */
  replica?: { replicaStatus(): ReplicaStatus };
}

export default async function healthRoutes(app: FastifyInstance, opts: HealthOptions) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Service health',
        response: {
          '2xx': { $ref: 'Health#' },
          // The health report when the database is not serviceable; the error
          // envelope when load shedding answers before the probe runs.
          503: { anyOf: [{ $ref: 'Health#' }, errorResponses(['OVERLOADED'])[503]] },
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
      // Read from the probe's last result: /health itself never waits on the replica.
      const replica = opts.replica?.replicaStatus();
      const degraded = cache === 'unhealthy' || (replica !== undefined && replica.state !== 'healthy');
      const status = database !== 'healthy' ? 'unhealthy' : degraded ? 'degraded' : 'healthy';
      if (status === 'unhealthy') reply.header('Retry-After', '5');
      return reply.code(status === 'unhealthy' ? 503 : 200).send({
        status,
        database,
        cache,
        replica: replica?.state ?? 'disabled',
        ...(replica ? { replica_lag_s: replica.lagS } : {}),
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
    replica: { type: 'string', enum: ['healthy', 'lagging', 'unhealthy', 'disabled'] },
    replica_lag_s: { type: ['number', 'null'] },
    engine: { type: 'string' },
    timestamp: { type: 'string' },
    version: { type: 'string' },
  },
} as const;

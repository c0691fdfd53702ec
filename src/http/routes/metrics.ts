// GET /metrics in Prometheus text format. Open by default, like /health:
// scrapers usually reach it over an internal network and rarely hold JWTs.
// With METRICS_REQUIRE_AUTH=true it needs a bearer token with read:metrics.
import type { FastifyInstance } from 'fastify';
import { authorizeMetricsScrape } from '../../auth/permissions.js';
import type { TokenVerifier } from '../../auth/tokens.js';
import { clusterMetricsText } from '../../cluster/cluster-metrics.js';
import { collectDriverGauges, register } from '../../metrics/index.js';
import authPlugin from '../plugins/auth.js';
import { errorResponses } from '../error-responses.js';

export default async function metricsRoutes(app: FastifyInstance, opts: { verifier: TokenVerifier }) {
  // This plugin is encapsulated, so the auth hook applies to /metrics only.
  if (app.config.metricsRequireAuth) await app.register(authPlugin, { verifier: opts.verifier });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        ...(app.config.metricsRequireAuth ? { security: [{ bearerAuth: [] }] } : {}),
        response: { 200: { type: 'string' }, ...errorResponses(app.config.metricsRequireAuth ? ['UNAUTHORIZED', 'FORBIDDEN', 'AUTH_KEYS_UNAVAILABLE', 'INTERNAL'] : ['INTERNAL']) },
      },
    },
    async (request, reply) => {
      if (request.principal) authorizeMetricsScrape(request.principal);
      // Under --workers: every worker's metrics, summed (null when not clustered).
      const cluster = await clusterMetricsText();
      if (cluster !== null) return reply.type(register.contentType).send(cluster);
      await collectDriverGauges(app.driver);
      return reply.type(register.contentType).send(await register.metrics());
    },
  );
}

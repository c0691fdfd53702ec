// Counts and times every response, including 401s from auth, 404s for unknown
// paths and errors, labelled by the matched route template.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { recordHttpRequest } from '../../metrics/http-metrics.js';

async function metricsPlugin(app: FastifyInstance) {
  app.addHook('onResponse', async (request, reply) => {
    // routeOptions.url is the template ("/api/v1/traces/:trace_id"); it is
    // undefined when no route matched, which becomes the fixed __unmatched__ label.
    recordHttpRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });
}

export default fp(metricsPlugin, { name: 'tracelens-metrics' });

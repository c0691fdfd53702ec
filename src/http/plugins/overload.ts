// Load shedding with @fastify/under-pressure: when the event loop lags or the
// heap is nearly full, answer 503 with Retry-After at once instead of queueing
// work the process cannot finish in time.
import { getHeapStatistics } from 'node:v8';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { appError } from '../../errors.js';

async function overloadPlugin(app: FastifyInstance) {
  const cfg = app.config.overload;
  const heapLimit = cfg.maxHeapUsedBytes > 0 ? cfg.maxHeapUsedBytes : Math.floor(getHeapStatistics().heap_size_limit * 0.9);
  await app.register(underPressure, {
    // The embedded engine runs PostgreSQL (WebAssembly) on this very event loop,
    // so its lag measures query work, not overload: after a burst such as the
    // demo-data load it would shed the next requests. Heap shedding stays on.
    maxEventLoopDelay: app.driver.engine === 'embedded' ? 0 : cfg.maxEventLoopDelayMs,
    maxHeapUsedBytes: heapLimit,
    sampleInterval: cfg.sampleIntervalMs,
    exposeStatusRoute: false,
    // A rejected promise goes to next(err), i.e. our error handler and envelope.
    pressureHandler: async (request, _reply, type) => {
      request.log.warn({ pressure: type }, 'shedding load');
      throw appError.OVERLOADED();
    },
  });
}

export default fp(overloadPlugin, { name: 'tracelens-overload' });

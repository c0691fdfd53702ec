// Cache metrics on prom-client's default registry, which /metrics exposes.
// Created once per process: several app instances (tests) share them.
import { Counter, Gauge } from 'prom-client';

export const cacheRequests = new Counter({
  name: 'cache_requests_total',
  help: 'Result cache lookups by tier (memory, redis) and result (hit, miss, error)',
  labelNames: ['tier', 'result'] as const,
});

export const redisCircuitOpen = new Gauge({
  name: 'cache_redis_circuit_open',
  help: '1 while the Redis circuit breaker is open (Redis skipped), 0 otherwise',
});

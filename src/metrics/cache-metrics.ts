// Cache and rate-limit metrics on prom-client's default registry, which /metrics exposes.
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

export const rateLimitFailOpen = new Counter({
  name: 'rate_limit_fail_open_total',
  help: 'Requests counted per instance because the shared rate-limit store (Redis) was unreachable',
});

export const rateLimitExceeded = new Counter({
  name: 'rate_limit_exceeded_total',
  help: 'Requests rejected with 429, by role',
  labelNames: ['role'] as const,
});

// One Redis connection for the cache and the rate limiter, behind a per-call
// timeout and a circuit breaker. Every call either answers within timeoutMs
// or fails; while the circuit is open it fails at once without touching
// Redis. Callers treat a failure as "no cache", never as a request error.
import { appError, logFields } from '../errors.js';
import { Redis } from 'ioredis';
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js';
import type { CacheLogger } from './store.js';
import { withTimeout } from '../with-timeout.js';
import { redisCircuitOpen } from './metrics.js';

export class RedisNotReadyError extends Error {
  constructor(status: string) {
    super(`redis connection is ${status}`);
    this.name = 'RedisNotReadyError';
  }
}

export interface GuardedRedisOptions {
  url: string;
  timeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  log: CacheLogger;
}

export class GuardedRedis {
  readonly client: Redis;
  readonly breaker: CircuitBreaker;
  /** Calls that actually reached for Redis (not turned away by the breaker). */
  attempts = 0;
  private readonly timeoutMs: number;

  constructor(opts: GuardedRedisOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.client = new Redis(opts.url, {
      // Fail fast instead of queueing while disconnected: a queued command
      // would hold the request until the connection returns.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      // Keep reconnecting forever, at most a second apart, so caching can
      // resume soon after Redis returns.
      retryStrategy: (times) => Math.min(times * 100, 1000),
    });
    // ioredis emits 'error' on every failed reconnect; without a listener
    // Node would crash the process. State changes are logged by the breaker.
    this.client.on('error', (err: Error) => opts.log.debug({ err: err.message }, 'redis connection error'));
    this.breaker = new CircuitBreaker({
      threshold: opts.breakerThreshold,
      cooldownMs: opts.breakerCooldownMs,
      onStateChange: (state: BreakerState, previous: BreakerState) => {
        redisCircuitOpen.set(state === 'open' ? 1 : 0);
        if (state === 'open' && previous === 'closed') opts.log.warn({ ...logFields(appError.CACHE_UNAVAILABLE(undefined)), state }, 'redis unavailable: circuit opened, serving without it');
        if (state === 'closed') opts.log.info({ state }, 'redis is back: circuit closed');
      },
    });
  }

  /** Runs one Redis operation within the timeout, through the breaker. */
  run<T>(op: (client: Redis) => Promise<T>): Promise<T> {
    // Not connected (down, restarting, still connecting at startup): fail at
    // once. ioredis keeps reconnecting in the background, at most 1 s apart.
    if (this.client.status !== 'ready') return Promise.reject(new RedisNotReadyError(this.client.status));
    return this.breaker.run(() => {
      this.attempts++;
      return withTimeout(op(this.client), this.timeoutMs);
    });
  }

  async ping(): Promise<void> {
    await this.run((c) => c.ping());
  }

  close(): void {
    // disconnect, not quit: quit waits for a reply a frozen Redis never sends.
    this.client.disconnect();
  }
}

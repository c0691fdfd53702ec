// Counters in Redis, so every instance draws from one budget. INCR and the
// window's expiry happen in one Lua script: atomic, one round trip, and the
// window length comes from Redis' clock, not from each instance's.
import type { GuardedRedis } from './guarded-redis.js';
import type { RateLimitStore, WindowCount } from './rate-limit-store.js';

const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

export class RedisRateLimitStore implements RateLimitStore {
  constructor(private readonly redis: GuardedRedis) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    // EVAL rather than a cached EVALSHA: the script is tiny, and EVAL cannot
    // fail with NOSCRIPT after a Redis restart.
    const reply = (await this.redis.run((c) => c.eval(HIT_SCRIPT, 1, key, windowMs))) as [number, number];
    return { count: Number(reply[0]), resetMs: Number(reply[1]) };
  }
}

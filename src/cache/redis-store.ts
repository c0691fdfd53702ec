// The shared tier: entries every instance sees. All calls go through the
// guarded connection, so they are bounded in time and skipped while Redis is down.
import type { GuardedRedis } from './guarded-redis.js';
import type { CacheStore, StoredValue } from './store.js';

export class RedisStore implements CacheStore {
  readonly tier = 'redis' as const;

  constructor(private readonly redis: GuardedRedis) {}

  async get(key: string): Promise<StoredValue | null> {
    // GET and PTTL in one round trip: the memory tier copies the remaining lifetime.
    const replies = await this.redis.run((c) => c.pipeline().get(key).pttl(key).exec());
    const [getReply, ttlReply] = replies ?? [];
    if (!getReply || getReply[0]) throw getReply?.[0] ?? new Error('empty pipeline reply');
    const value = getReply[1] as string | null;
    if (value === null) return null;
    const ttlMs = Number(ttlReply?.[1]);
    return { value, ttlMs: ttlMs > 0 ? ttlMs : 0 };
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.redis.run((c) => c.set(key, value, 'PX', ttlMs));
  }
}

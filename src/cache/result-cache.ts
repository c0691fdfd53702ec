// The read-through result cache routes use: memory tier, then Redis (when
// configured), then the computation, with identical concurrent misses
// collapsed into one. A failing or slow Redis only ever turns into a miss.
import { appError, logFields } from '../errors.js';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import { cacheKey, type CacheRequest } from './key.js';
import type { MemoryStore } from './memory-store.js';
import { cacheRequests } from './metrics.js';
import { SingleFlight } from './single-flight.js';
import type { CacheLogger, CacheStore, StoredValue } from './store.js';
import { ttlSeconds } from './ttl-policy.js';

export interface Cached<T> {
  value: T;
  /** True exactly when value came from a cache tier (feeds meta.cached). */
  cached: boolean;
}

export interface ResultCacheOptions {
  config: Config['cache'];
  memory: MemoryStore;
  /** The shared tier; null runs in-process only. */
  shared: CacheStore | null;
  log: CacheLogger;
}

export class ResultCache {
  readonly flight: SingleFlight;
  private readonly config: Config['cache'];

  constructor(private readonly opts: ResultCacheOptions) {
    this.config = opts.config;
    this.flight = new SingleFlight(opts.config.flightWaitMs);
  }

  /**
   * Answers from the cache or runs compute and stores its result. compute
   * returns the data payload (JSON-serializable), never the envelope.
   */
  async wrap<T>(principal: Principal, req: CacheRequest, compute: () => Promise<T>): Promise<Cached<T>> {
    // Nothing to store: skip the text round trip.
    if (!this.config.enabled || req.cursor) return { value: await compute(), cached: false };
    const { value, cached } = await this.wrapText(principal, req, compute, (v) => JSON.stringify(v));
    return { value: JSON.parse(value) as T, cached };
  }

  /**
   * Caches and returns the serialized payload: a hit is sent as
   * stored, with no JSON.parse and no second serialization (what makes a warm
   * hit several times cheaper than the query). serialize runs once per miss.
   */
  async wrapText<T>(principal: Principal, req: CacheRequest, compute: () => Promise<T>, serialize: (value: T) => string): Promise<Cached<string>> {
    const miss = async () => serialize(await compute());
    if (!this.config.enabled || req.cursor) return { value: await miss(), cached: false };
    const key = cacheKey(this.config.keyPrefix, principal, req);
    const local = this.opts.memory.getSync(key);
    cacheRequests.inc({ tier: 'memory', result: local ? 'hit' : 'miss' });
    if (local) return { value: local.value, cached: true };
    return this.flight.run(key, async () => {
      const shared = await this.sharedGet(key);
      if (shared) {
        await this.opts.memory.set(key, shared.value, shared.ttlMs);
        return { value: shared.value, cached: true };
      }
      const text = await miss();
      await this.storeText(key, text, ttlSeconds(this.config, req) * 1000);
      return { value: text, cached: false };
    });
  }

  private async sharedGet(key: string): Promise<StoredValue | null> {
    const store = this.opts.shared;
    if (!store) return null;
    try {
      const hit = await store.get(key);
      cacheRequests.inc({ tier: store.tier, result: hit ? 'hit' : 'miss' });
      return hit;
    } catch (err) {
      cacheRequests.inc({ tier: store.tier, result: 'error' });
      this.opts.log.debug(logFields(appError.CACHE_UNAVAILABLE(err)), 'cache read skipped');
      return null;
    }
  }

  private async storeText(key: string, text: string, ttlMs: number): Promise<void> {
    await this.opts.memory.set(key, text, ttlMs);
    try {
      await this.opts.shared?.set(key, text, ttlMs);
    } catch (err) {
      this.opts.log.debug(logFields(appError.CACHE_UNAVAILABLE(err)), 'cache write skipped');
    }
  }
}

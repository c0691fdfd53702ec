// The in-process tier: a bounded LRU (entry count and bytes), per-entry TTL.
// Alone it is the whole cache when no REDIS_URL is set; otherwise it sits in
// front of Redis so hot keys cost no network round trip at all.
import { LRUCache } from 'lru-cache';
import type { CacheStore, StoredValue } from './store.js';

export class MemoryStore implements CacheStore {
  readonly tier = 'memory' as const;
  private readonly lru: LRUCache<string, string>;

  constructor(opts: { maxEntries: number; maxBytes: number }) {
    this.lru = new LRUCache<string, string>({
      max: opts.maxEntries,
      maxSize: opts.maxBytes,
      // UTF-16 code units; close enough to bytes for a memory bound.
      sizeCalculation: (v) => Math.max(1, v.length),
    });
  }

  async get(key: string): Promise<StoredValue | null> {
    return this.getSync(key);
  }

  /** Synchronous lookup: the hot path skips a promise hop. */
  getSync(key: string): StoredValue | null {
    const value = this.lru.get(key);
    if (value === undefined) return null;
    return { value, ttlMs: this.lru.getRemainingTTL(key) };
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (ttlMs > 0) this.lru.set(key, value, { ttl: ttlMs });
  }

  get size(): number {
    return this.lru.size;
  }
}

// The narrow interface both cache tiers implement. Values are opaque strings
// (the serialized data payload); the tiers never look inside them.

export type Tier = 'memory' | 'redis';

export interface StoredValue {
  value: string;
  /** Remaining lifetime, so a faster tier never keeps an entry longer than the slower one. */
  ttlMs: number;
}

export interface CacheStore {
  readonly tier: Tier;
  /** The entry, or null on a miss. Rejects when the store is unavailable. */
  get(key: string): Promise<StoredValue | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
}

/** The few logger methods the cache uses; pino (Fastify's logger) satisfies it. */
export interface CacheLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

// The one place that reads the environment. Every variable, its default and
// its validation live here; the rest of the code receives a frozen Config.
import { resolve } from 'node:path';

export type Role = 'admin' | 'developer' | 'viewer' | 'billing';
export const ROLES: readonly Role[] = ['admin', 'developer', 'viewer', 'billing'];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Absent: the embedded engine (PGlite) in dataDir. */
  readonly databaseUrl: string | null;
  readonly databaseReadUrl: string | null;
  readonly dataDir: string;
  readonly db: {
    readonly poolMax: number;
    readonly poolMin: number;
    readonly acquireTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly maxLifetimeS: number;
    /** 0 disables the server-side statement timeout. */
    readonly statementTimeoutMs: number;
    /** TCP + startup bound of one new connection (a stalled server must not hold requests for the acquire timeout). */
    readonly connectTimeoutMs: number;
    /** Requests allowed to queue for a connection; beyond it the answer is an immediate 503. */
    readonly maxWaiting: number;
  };
  readonly redisUrl: string | null;
  readonly cache: {
    readonly defaultTtlS: number;
    readonly historicalTtlS: number;
    readonly aggregateTtlS: number;
    readonly enabled: boolean;
    /** Bound on every Redis call (cache and rate limit); past it the call counts as failed. */
    readonly timeoutMs: number;
    /** In-process LRU tier: entry count and total size of the serialized values. */
    readonly lruMax: number;
    readonly lruMaxBytes: number;
    /** Consecutive Redis failures that open the circuit, and how long it stays open before a probe. */
    readonly breakerThreshold: number;
    readonly breakerCooldownMs: number;
    /** How long concurrent identical misses wait for the first one before computing themselves. */
    readonly flightWaitMs: number;
    /** Prefix of every Redis key (cache entries and rate-limit counters). */
    readonly keyPrefix: string;
  };
  readonly jwt: {
    /** HS256 secret; null only in development mode with the embedded engine (a random one is generated). */
    readonly secret: string | null;
    readonly publicKey: string | null;
    readonly jwksUrl: string | null;
    readonly audience: string | null;
    readonly issuer: string | null;
    readonly clockToleranceS: number;
    /** Bound on one JWKS fetch; a slow identity provider must not hold requests for long. */
    readonly jwksTimeoutMs: number;
  };
  readonly rateLimits: Readonly<Record<Role, number>>;
  readonly bodyLimitBytes: number;
  /** Overload shedding (503 + Retry-After instead of unbounded queueing). */
  readonly overload: {
    readonly maxEventLoopDelayMs: number;
    /** 0 = 90 % of V8's heap limit. */
    readonly maxHeapUsedBytes: number;
    readonly sampleIntervalMs: number;
  };
  /** Whole-request bound (slow-body clients), and header bound (slow-header clients). */
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly maxBatchSpans: number;
  readonly demoData: boolean;
  readonly slowQueryMs: number;
  /** Background merge of the GIN pending lists of llm_traces (0 = off; docs/performance.md). */
  readonly ginMergeIntervalMs: number;
  /** GET /metrics needs a bearer token with read:metrics (default: open, like /health). */
  readonly metricsRequireAuth: boolean;
  /** HMAC key of pagination cursors; derived from the JWT secret unless set. */
  readonly cursorSecret: string | null;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v.trim() === '' ? null : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = str(env, name);
  if (raw === null) return def;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name);
  if (raw === null) return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got '${raw}'`);
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = str(env, name);
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got '${parsed.protocol}'`);
  }
  return raw;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const secret = str(env, 'JWT_SECRET');
  if (secret !== null && Buffer.byteLength(secret) < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes long');
  }
  const publicKey = str(env, 'JWT_PUBLIC_KEY');
  const jwksUrl = url(env, 'JWT_JWKS_URL', ['https:', 'http:']);
  if (databaseUrl !== null && secret === null && publicKey === null && jwksUrl === null) {
    // With a real database the service holds real data: never fall back to a
    // throw-away secret that would make every issued token unverifiable later.
    throw new ConfigError(
      'JWT_SECRET',
      'is required when DATABASE_URL is set (or configure JWT_PUBLIC_KEY / JWT_JWKS_URL); generate one with: openssl rand -base64 48',
    );
  }
  if (databaseUrl !== null && secret === null && str(env, 'CURSOR_SECRET') === null) {
    // Cursors are HMAC-signed; without a shared key each process would make up
    // its own, and a cursor from one instance (or before a restart) would be
    // rejected by the next.
    throw new ConfigError('CURSOR_SECRET', 'is required when tokens are verified by JWT_PUBLIC_KEY / JWT_JWKS_URL alone (any random string of 32+ bytes, the same on every instance)');
  }
  const logLevel = (str(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const poolMax = int(env, 'DB_POOL_MAX', 20, 1, 1000);
  const poolMin = int(env, 'DB_POOL_MIN', 5, 0, 1000);
  if (poolMin > poolMax) throw new ConfigError('DB_POOL_MIN', `must not exceed DB_POOL_MAX (${poolMax})`);

  const config: Config = {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    logLevel: logLevel as Config['logLevel'],
    databaseUrl,
    databaseReadUrl: url(env, 'DATABASE_READ_URL', ['postgres:', 'postgresql:']),
    dataDir: resolve(str(env, 'DATA_DIR') ?? './.tracelens/data'),
    db: {
      poolMax,
      poolMin,
      acquireTimeoutMs: int(env, 'DB_ACQUIRE_TIMEOUT_MS', 30000, 1),
      idleTimeoutMs: int(env, 'DB_IDLE_TIMEOUT_MS', 300000, 0),
      maxLifetimeS: int(env, 'DB_MAX_LIFETIME_S', 1800, 0),
      statementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 10000, 0),
      connectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 5000, 100),
      maxWaiting: int(env, 'DB_MAX_WAITING', 200, 0),
    },
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    cache: {
      defaultTtlS: int(env, 'CACHE_DEFAULT_TTL', 60, 1),
      historicalTtlS: int(env, 'CACHE_HISTORICAL_TTL', 600, 1),
      aggregateTtlS: int(env, 'CACHE_AGGREGATE_TTL', 900, 1),
      enabled: bool(env, 'CACHE_ENABLED', true),
      timeoutMs: int(env, 'CACHE_TIMEOUT_MS', 50, 1, 10000),
      lruMax: int(env, 'CACHE_LRU_MAX', 1000, 1),
      lruMaxBytes: int(env, 'CACHE_LRU_MAX_BYTES', 64 * 1024 * 1024, 1024),
      breakerThreshold: int(env, 'CACHE_BREAKER_THRESHOLD', 3, 1, 1000),
      // Capped so that caching resumes well within 10 s of Redis coming back.
      breakerCooldownMs: int(env, 'CACHE_BREAKER_COOLDOWN_MS', 2000, 10, 8000),
      flightWaitMs: int(env, 'CACHE_FLIGHT_WAIT_MS', 15000, 1),
      keyPrefix: str(env, 'CACHE_KEY_PREFIX') ?? 'tracelens:',
    },
    jwt: {
      secret,
      publicKey,
      jwksUrl,
      audience: str(env, 'JWT_AUDIENCE'),
      issuer: str(env, 'JWT_ISSUER'),
      clockToleranceS: int(env, 'JWT_CLOCK_TOLERANCE_S', 30, 0, 600),
      jwksTimeoutMs: int(env, 'JWT_JWKS_TIMEOUT_MS', 3000, 1, 60000),
    },
    rateLimits: {
      admin: int(env, 'RATE_LIMIT_ADMIN', 100000, 1),
      developer: int(env, 'RATE_LIMIT_DEVELOPER', 10000, 1),
      viewer: int(env, 'RATE_LIMIT_VIEWER', 1000, 1),
      billing: int(env, 'RATE_LIMIT_BILLING', 1000, 1),
    },
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024),
    overload: {
      maxEventLoopDelayMs: int(env, 'OVERLOAD_MAX_EVENT_LOOP_DELAY_MS', 1000, 0),
      maxHeapUsedBytes: int(env, 'OVERLOAD_MAX_HEAP_BYTES', 0, 0),
      sampleIntervalMs: int(env, 'OVERLOAD_SAMPLE_INTERVAL_MS', 500, 10, 60000),
    },
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30000, 1000),
    headersTimeoutMs: int(env, 'HEADERS_TIMEOUT_MS', 10000, 1000),
    maxBatchSpans: int(env, 'INGEST_MAX_BATCH', 5000, 1, 100000),
    demoData: bool(env, 'DEMO_DATA', true),
    slowQueryMs: int(env, 'SLOW_QUERY_MS', 100, 0),
    ginMergeIntervalMs: int(env, 'GIN_MERGE_INTERVAL_MS', 1000, 0, 3_600_000),
    metricsRequireAuth: bool(env, 'METRICS_REQUIRE_AUTH', false),
    cursorSecret: str(env, 'CURSOR_SECRET'),
  };
  return deepFreeze(config);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** A config for tests and embedding: defaults plus explicit overrides. */
export function configWith(overrides: Partial<Record<string, string>>): Config {
  return loadConfig({ ...overrides });
}

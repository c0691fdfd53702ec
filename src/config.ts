// The one place that reads the environment. Each variable is declared once
// below, with its type, default, bounds and meaning; the Config type, the
// validation and the README's configuration table (`npm run docs`) all come
// from this schema. The rest of the code receives a frozen Config.
import { resolve as resolvePath } from 'node:path';
import type { Role } from './auth/roles.js';
import { ConfigError, bool, int, oneOf, optionalText, parseSchema, path, text, url, type Infer } from './config-schema.js';

export { ConfigError } from './config-schema.js';

const PG = ['postgres:', 'postgresql:'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const CONFIG_SCHEMA = {
  port: int('PORT', 8080, { min: 0, max: 65535 }, { meaning: 'HTTP port' }),
  host: text('HOST', '0.0.0.0', { meaning: 'listen address' }),
  logLevel: oneOf('LOG_LEVEL', 'info', LOG_LEVELS, { meaning: 'log level; development mode prints readable lines, otherwise JSON' }),
  /** Absent: the embedded engine (PGlite) in dataDir. */
  databaseUrl: url('DATABASE_URL', PG, { meaning: 'PostgreSQL connection string; unset = embedded PostgreSQL in `DATA_DIR`' }),
  databaseReadUrl: url('DATABASE_READ_URL', PG, {
    meaning: 'optional read replica: the read endpoints use it, writes and migrations use `DATABASE_URL`',
  }),
  readMaxLagS: int('READ_MAX_LAG_S', 10, { min: 1, max: 86400 }, {
    meaning: 'seconds a read replica may lag; beyond it (or when it is down) reads go to the primary and /health says degraded',
  }),
  dataDir: path('DATA_DIR', './.tracelens/data', { meaning: 'embedded database directory' }),
  pricesFile: optionalText('PRICES_FILE', {
    meaning: 'JSON price table whose entries win over the shipped one, for costs computed at OTLP ingest (docs/otlp.md)',
  }),
  db: {
    poolMax: int('DB_POOL_MAX', 20, { min: 1, max: 1000 }, { meaning: 'maximum connections in the pool' }),
    poolMin: int('DB_POOL_MIN', 5, { min: 0, max: 1000 }, { meaning: 'connections kept open when idle (at most `DB_POOL_MAX`)' }),
    acquireTimeoutMs: int('DB_ACQUIRE_TIMEOUT_MS', 30000, { min: 1 }, { meaning: 'wait for a free connection before answering 503' }),
    idleTimeoutMs: int('DB_IDLE_TIMEOUT_MS', 300000, { min: 0 }, { meaning: 'close connections idle this long (down to `DB_POOL_MIN`)' }),
    maxLifetimeS: int('DB_MAX_LIFETIME_S', 1800, { min: 0 }, { meaning: 'recycle connections after this long (0 = never)' }),
    statementTimeoutMs: int('DB_STATEMENT_TIMEOUT_MS', 10000, { min: 0 }, {
      meaning: 'server-side statement timeout; a query past it is cancelled and answered 504 (0 = none)',
    }),
    connectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 5000, { min: 100 }, {
      meaning: 'bound on opening one new connection, so a stalled server is noticed fast',
    }),
    maxWaiting: int('DB_MAX_WAITING', 200, { min: 0 }, { meaning: 'requests that may queue for a connection; beyond it the answer is an immediate 503' }),
  },
  dbPreparedStatements: bool('DB_PREPARED_STATEMENTS', true, {
    meaning: 'plan the search page statement once per connection (named statements, session plan mode); turn off behind a transaction-mode pooler such as PgBouncer',
  }),
  dbAnalyticsParallelism: int('DB_ANALYTICS_PARALLELISM', 2, { min: 1, max: 1000 }, {
    meaning: 'analytics statements (metrics queries and reports) this instance runs at once; the rest wait their turn (docs/performance.md, "Analytics statements at once")',
  }),
  dbWorkMemKb: int('DB_WORK_MEM_KB', 16384, { min: 64, max: 2097151 }, {
    meaning: 'work_mem of the API\'s connections (kB): the analytics statements hash tens of thousands of groups, which spill to disk at the server default of 4 MB; each sort or hash of a statement may use this much',
  }),
  redisUrl: url('REDIS_URL', ['redis:', 'rediss:'], { meaning: 'Redis for the shared result cache and rate limits; unset = in-process' }),
  cache: {
    enabled: bool('CACHE_ENABLED', true, { meaning: 'turn the result cache off entirely' }),
    defaultTtlS: int('CACHE_DEFAULT_TTL', 60, { min: 1 }, { meaning: 'seconds, for queries touching the last hour or with no lower time bound' }),
    historicalTtlS: int('CACHE_HISTORICAL_TTL', 600, { min: 1 }, { meaning: 'seconds, for purely historical time ranges' }),
    aggregateTtlS: int('CACHE_AGGREGATE_TTL', 900, { min: 1 }, { meaning: 'seconds, for aggregates' }),
    timeoutMs: int('CACHE_TIMEOUT_MS', 50, { min: 1, max: 10000 }, {
      meaning: 'bound on every Redis call (cache and rate limit); past it the cache is skipped (docs/caching.md)',
    }),
    breakerThreshold: int('CACHE_BREAKER_THRESHOLD', 3, { min: 1, max: 1000 }, { meaning: 'consecutive Redis failures that stop calling Redis' }),
    // Capped so that caching resumes well within 10 s of Redis coming back.
    breakerCooldownMs: int('CACHE_BREAKER_COOLDOWN_MS', 2000, { min: 10, max: 8000 }, { meaning: 'how long Redis is skipped before a trial call' }),
    flightWaitMs: int('CACHE_FLIGHT_WAIT_MS', 15000, { min: 1 }, { meaning: 'how long identical concurrent misses wait for the first one' }),
    lruMax: int('CACHE_LRU_MAX', 1000, { min: 1 }, { meaning: 'in-process cache tier: entries' }),
    lruMaxBytes: int('CACHE_LRU_MAX_BYTES', 64 * 1024 * 1024, { min: 1024 }, { meaning: 'in-process cache tier: total size of cached payloads' }),
    keyPrefix: text('CACHE_KEY_PREFIX', 'tracelens:', { meaning: 'prefix of every Redis key (cache entries and rate-limit counters)' }),
  },
  jwt: {
    /** HS256 secret; null only in development mode with the embedded engine (a random one is generated). */
    secret: optionalText('JWT_SECRET', {
      minBytes: 32,
      meaning: 'HS256 key; required with `DATABASE_URL` unless a public key is set; generate one with `openssl rand -base64 48`',
    }),
    publicKey: optionalText('JWT_PUBLIC_KEY', { meaning: 'RS256 or ES256 public key: PEM text, or a path to a PEM file (see docs/auth.md)' }),
    jwksUrl: url('JWT_JWKS_URL', ['https:', 'http:'], { meaning: 'JWKS endpoint of an identity provider (RS256/ES256)' }),
    jwksTimeoutMs: int('JWT_JWKS_TIMEOUT_MS', 3000, { min: 1, max: 60000 }, {
      meaning: 'bound on one JWKS fetch; an unreachable JWKS answers 503, not 401',
    }),
    audience: optionalText('JWT_AUDIENCE', { meaning: 'required `aud` claim when set' }),
    issuer: optionalText('JWT_ISSUER', { meaning: 'required `iss` claim when set' }),
    clockToleranceS: int('JWT_CLOCK_TOLERANCE_S', 30, { min: 0, max: 600 }, { meaning: 'accepted clock skew for `exp`/`nbf`, seconds' }),
  },
  rateLimits: {
    admin: int('RATE_LIMIT_ADMIN', 100000, { min: 1 }, { meaning: 'requests per minute per admin caller' }),
    developer: int('RATE_LIMIT_DEVELOPER', 10000, { min: 1 }, { meaning: 'requests per minute per developer caller' }),
    viewer: int('RATE_LIMIT_VIEWER', 1000, { min: 1 }, { meaning: 'requests per minute per viewer caller' }),
    billing: int('RATE_LIMIT_BILLING', 1000, { min: 1 }, { meaning: 'requests per minute per billing caller' }),
  } satisfies Record<Role, unknown>,
  bodyLimitBytes: int('BODY_LIMIT_BYTES', 10 * 1024 * 1024, { min: 1024 }, {
    meaning: 'largest accepted request body, counted after decompression for `Content-Encoding: gzip`/`deflate`/`br` bodies (413 beyond)',
  }),
  /** Whole-request bound (slow-body clients), and header bound (slow-header clients). */
  requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 30000, { min: 1000 }, {
    meaning: 'a request (headers and body) must arrive within this; slow clients are cut off',
  }),
  headersTimeoutMs: int('HEADERS_TIMEOUT_MS', 10000, { min: 1000 }, { meaning: 'request headers must arrive within this' }),
  /** Overload shedding (503 + Retry-After instead of unbounded queueing). */
  overload: {
    maxEventLoopDelayMs: int('OVERLOAD_MAX_EVENT_LOOP_DELAY_MS', 1000, { min: 0 }, {
      meaning: 'above this event-loop lag requests are shed with 503 + Retry-After (0 = off)',
    }),
    /** 0 = 90 % of V8's heap limit. */
    maxHeapUsedBytes: int('OVERLOAD_MAX_HEAP_BYTES', 0, { min: 0 }, {
      meaning: 'above this heap use requests are shed with 503 + Retry-After (0 = 90 % of the V8 heap limit)',
    }),
    sampleIntervalMs: int('OVERLOAD_SAMPLE_INTERVAL_MS', 500, { min: 10, max: 60000 }, { meaning: 'how often load is sampled' }),
  },
  maxBatchSpans: int('INGEST_MAX_BATCH', 5000, { min: 1, max: 100000 }, { meaning: 'most spans in one ingest request' }),
  demoData: bool('DEMO_DATA', true, {
    meaning: 'load demo spans into an empty embedded database at start; never into a `DATABASE_URL` database (use `tracelens seed --demo`)',
  }),
  slowQueryMs: int('SLOW_QUERY_MS', 100, { min: 0 }, { meaning: 'queries slower than this are logged at warn (without values); 0 = off' }),
  /** Background merge of the GIN pending lists of llm_traces (docs/performance.md, "Ingest and search together"). */
  ginMergeIntervalMs: int('GIN_MERGE_INTERVAL_MS', 1000, { min: 0, max: 3_600_000 }, {
    meaning: 'how often the service merges the GIN pending lists of `llm_traces` in the background (PostgreSQL; not the embedded engine), so search does not scan long lists under continuous ingest; 0 = off (leave it to autovacuum)',
  }),
  /** Where rollup maintenance runs (docs/analytics.md, "Deferred rollups"). */
  rollupMode: oneOf('ROLLUP_MODE', 'inline', ['inline', 'deferred'] as const, {
    meaning: 'inline: ingest updates the rollups in its own transaction (exact at once); deferred: ingest appends the deltas and the service folds them into the rollups every `ROLLUP_FOLD_INTERVAL_MS` (analytics lag by about that much; ingest no longer waits on the rollups\' hot rows)',
  }),
  rollupFoldIntervalMs: int('ROLLUP_FOLD_INTERVAL_MS', 1000, { min: 100, max: 60_000 }, {
    meaning: 'with `ROLLUP_MODE=deferred`: how often the service folds pending rollup deltas',
  }),
  /** Retention of spans by whole day partitions (docs/operations.md, "Partitions and retention"). */
  retentionDays: int('RETENTION_DAYS', 90, { min: 0, max: 36500 }, {
    meaning: 'days of spans kept: older UTC-week partitions of `llm_traces` are dropped whole (a week once its last day is past) by the server (hourly) and `tracelens maintain`; rollups keep their own longer horizons (hourly 210 days, daily 3 years); 0 = keep forever',
  }),
  /** GET /metrics needs a bearer token with read:metrics (default: open, like /health). */
  metricsRequireAuth: bool('METRICS_REQUIRE_AUTH', false, { meaning: 'require a bearer token with `read:metrics` for `GET /metrics`' }),
  /** Streaming export and export jobs (docs/export.md). */
  export: {
    /** Where job files are written; shared storage when several instances serve downloads. Use exportDir(). */
    dir: optionalText('EXPORT_DIR', {
      defaultText: '`DATA_DIR`/exports',
      meaning: 'directory of export job files; must be shared storage when several instances serve downloads',
    }),
    ttlS: int('EXPORT_TTL', 7 * 24 * 3600, { min: 60 }, { meaning: 'seconds an export job and its file are kept after it finishes' }),
    concurrency: int('EXPORT_CONCURRENCY', 2, { min: 0, max: 64 }, { meaning: 'export jobs this process runs at once (0 = this process runs none)' }),
    maxStreams: int('EXPORT_MAX_STREAMS', 4, { min: 1, max: 256 }, {
      meaning: 'concurrent streaming exports per process (each holds a database connection of its own); beyond it 503 `EXPORT_BUSY`',
    }),
    statementTimeoutMs: int('EXPORT_STATEMENT_TIMEOUT_MS', 300_000, { min: 0 }, { meaning: 'server-side bound on each fetch of an export\'s rows (0 = none)' }),
    leaseMs: int('EXPORT_LEASE_MS', 30_000, { min: 300 }, { meaning: 'a job whose worker sent no heartbeat for this long is taken over by another worker' }),
    maxAttempts: int('EXPORT_MAX_ATTEMPTS', 3, { min: 1, max: 100 }, { meaning: 'runs of one export job before it is failed for good' }),
    pollMs: int('EXPORT_POLL_MS', 1000, { min: 10, max: 60_000 }, { meaning: 'how often an idle export worker looks for pending jobs' }),
  },
  /** HMAC key of pagination cursors; derived from the JWT secret unless set. */
  cursorSecret: optionalText('CURSOR_SECRET', {
    defaultText: '(derived)',
    meaning:
      'HMAC key of pagination cursors; derived from `JWT_SECRET` when unset; required (the same on every instance) when tokens are verified by public key or JWKS alone',
  }),
} as const;

export type Config = Infer<typeof CONFIG_SCHEMA>;

type Env = Record<string, string | undefined>;

/** Rules that involve more than one variable; each names the variable to fix. */
function checkCombinations(c: Config): void {
  if (c.db.poolMin > c.db.poolMax) throw new ConfigError('DB_POOL_MIN', `must not exceed DB_POOL_MAX (${c.db.poolMax})`);
  if (c.databaseUrl !== null && c.jwt.secret === null && c.jwt.publicKey === null && c.jwt.jwksUrl === null) {
    // With a real database the service holds real data: never fall back to a
    // throw-away secret that would make every issued token unverifiable later.
    throw new ConfigError(
      'JWT_SECRET',
      'is required when DATABASE_URL is set (or configure JWT_PUBLIC_KEY / JWT_JWKS_URL); generate one with: openssl rand -base64 48',
    );
  }
  if (c.databaseUrl !== null && c.jwt.secret === null && c.cursorSecret === null) {
    // Cursors are HMAC-signed; without a shared key each process would make up
    // its own, and a cursor from one instance (or before a restart) would be
    // rejected by the next.
    throw new ConfigError(
      'CURSOR_SECRET',
      'is required when tokens are verified by JWT_PUBLIC_KEY / JWT_JWKS_URL alone (any random string of 32+ bytes, the same on every instance)',
    );
  }
}

export function loadConfig(env: Env = process.env): Config {
  const config = parseSchema(CONFIG_SCHEMA, env);
  checkCombinations(config);
  return config;
}

/** Where export job files live: EXPORT_DIR, else `exports` inside DATA_DIR. */
export function exportDir(config: Pick<Config, 'dataDir' | 'export'>): string {
  return resolvePath(config.export.dir ?? resolvePath(config.dataDir, 'exports'));
}

/** Development mode: the embedded engine and no JWT secret (a random one per run, readable logs). */
export function isDevelopmentMode(config: Pick<Config, 'databaseUrl' | 'jwt'>): boolean {
  return config.databaseUrl === null && config.jwt.secret === null;
}

/** A config for tests and embedding: defaults plus explicit overrides. */
export function configWith(overrides: Partial<Record<string, string>>): Config {
  return loadConfig({ ...overrides });
}

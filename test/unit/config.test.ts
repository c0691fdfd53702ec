import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const SECRET = 'x'.repeat(32);

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('has the contract defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.databaseUrl).toBeNull();
    expect(c.dataDir).toMatch(/\.tracelens[\\/]data$/);
    expect(c.db).toEqual({
      poolMax: 20,
      poolMin: 5,
      acquireTimeoutMs: 30000,
      idleTimeoutMs: 300000,
      maxLifetimeS: 1800,
      statementTimeoutMs: 10000,
      connectTimeoutMs: 5000,
      maxWaiting: 200,
    });
    expect(c.cache.defaultTtlS).toBe(60);
    expect(c.rateLimits).toEqual({ admin: 100000, developer: 10000, viewer: 1000, billing: 1000 });
    expect(Object.isFrozen(c) && Object.isFrozen(c.db)).toBe(true);
  });

  it('names the variable of a bad value', () => {
    expect(errorOf({ PORT: 'eighty' }).variable).toBe('PORT');
    expect(errorOf({ PORT: '70000' }).variable).toBe('PORT');
    expect(errorOf({ DB_POOL_MAX: '0' }).variable).toBe('DB_POOL_MAX');
    expect(errorOf({ DB_POOL_MIN: '30' }).variable).toBe('DB_POOL_MIN');
    expect(errorOf({ DATABASE_URL: 'mysql://x' }).variable).toBe('DATABASE_URL');
    expect(errorOf({ REDIS_URL: 'not a url' }).variable).toBe('REDIS_URL');
    expect(errorOf({ LOG_LEVEL: 'loud' }).variable).toBe('LOG_LEVEL');
    expect(errorOf({ CACHE_ENABLED: 'maybe' }).variable).toBe('CACHE_ENABLED');
    expect(errorOf({ JWT_SECRET: 'short' }).variable).toBe('JWT_SECRET');
  });

  it('refuses a real database without a JWT key, and says why', () => {
    const err = errorOf({ DATABASE_URL: 'postgres://localhost/x' });
    expect(err.variable).toBe('JWT_SECRET');
    expect(err.message).toMatch(/required when DATABASE_URL is set/);
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/x', JWT_SECRET: SECRET }).databaseUrl).toBe('postgres://localhost/x');
  });

  it('requires a shared cursor key when no JWT secret can derive one', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----';
    expect(errorOf({ DATABASE_URL: 'postgres://localhost/x', JWT_PUBLIC_KEY: pem }).variable).toBe('CURSOR_SECRET');
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/x', JWT_PUBLIC_KEY: pem, CURSOR_SECRET: 'c'.repeat(32) }).cursorSecret).toBe('c'.repeat(32));
  });

  it('accepts explicit values', () => {
    const c = loadConfig({ PORT: '9000', DB_POOL_MAX: '50', DB_POOL_MIN: '2', CACHE_DEFAULT_TTL: '30', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect([c.port, c.db.poolMax, c.db.poolMin, c.cache.defaultTtlS, c.redisUrl]).toEqual([9000, 50, 2, 30, 'redis://127.0.0.1:6379']);
  });
});

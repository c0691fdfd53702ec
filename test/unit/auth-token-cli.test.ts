// tracelens token: flags -> a token the service itself accepts.
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVerifier } from '../../src/auth/verifier.js';
import { UsageError } from '../../src/cli/args.js';
import { main } from '../../src/cli/main.js';
import { createToken, parseTtl } from '../../src/cli/token.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const SECRET = 'cli-test-secret-0123456789-abcdefghijkl';
const ENV = { JWT_SECRET: SECRET };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('createToken', () => {
  it('mints a token the configured verifier accepts, with every flag mapped', async () => {
    const argv = ['--sub', 'alice', '--role', 'viewer', '--projects', 'p2, p1', '--org', 'acme', '--permissions', 'write:traces', '--ttl', '30m'];
    const token = await createToken(argv, ENV);
    const principal = await createVerifier(loadConfig(ENV)).verify(token);
    expect(principal).toMatchObject({ sub: 'alice', role: 'viewer', orgId: 'acme', projects: ['p1', 'p2'] });
    expect(principal.permissions.has('write:traces')).toBe(true);
    const c = decodeJwt(token);
    expect(c.exp! - c.iat!).toBe(1800);
    expect(typeof c.jti).toBe('string');
  });

  it('defaults to one hour and carries the configured audience and issuer', async () => {
    const env = { ...ENV, JWT_AUDIENCE: 'api', JWT_ISSUER: 'tracelens-cli' };
    const token = await createToken(['--sub', 'a', '--role', 'admin'], env);
    const c = decodeJwt(token);
    expect(c.exp! - c.iat!).toBe(3600);
    expect(c).toMatchObject({ aud: 'api', iss: 'tracelens-cli' });
    await expect(createVerifier(loadConfig(env)).verify(token)).resolves.toMatchObject({ projects: 'all' });
  });

  it.each([
    ['no JWT_SECRET', {}],
    ['only a public key', { JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }],
    ['DATABASE_URL and no key', { DATABASE_URL: 'postgres://localhost/x' }],
  ])('fails naming JWT_SECRET with %s', async (_name, env) => {
    const err = await rejection(createToken(['--sub', 'a', '--role', 'admin'], env));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('JWT_SECRET');
  });

  it.each([
    ['no --sub', ['--role', 'admin']],
    ['unknown role', ['--sub', 'a', '--role', 'root']],
    ['non-admin without projects', ['--sub', 'a', '--role', 'viewer']],
    ['unknown permission', ['--sub', 'a', '--role', 'admin', '--permissions', 'drop:tables']],
    ['unknown flag', ['--sub', 'a', '--role', 'admin', '--admin']],
    ['bad ttl', ['--sub', 'a', '--role', 'admin', '--ttl', '1w']],
  ])('is a usage error: %s', async (_name, argv) => {
    expect(await rejection(createToken(argv, ENV))).toBeInstanceOf(UsageError);
  });
});

describe('parseTtl', () => {
  it.each([
    ['3600', 3600],
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    ['7d', 604800],
  ])('%s -> %i seconds', (raw, seconds) => {
    expect(parseTtl(raw)).toBe(seconds);
  });
  it.each(['', '0', '-5', '1.5h', '1w', 'h', '367d'])('rejects %j', (raw) => {
    expect(() => parseTtl(raw)).toThrow(UsageError);
  });
});

describe('tracelens token (registered in the CLI)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
  });

  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    return { out, err };
  }

  it('prints just the token', async () => {
    vi.stubEnv('JWT_SECRET', SECRET);
    const { out } = capture();
    await main(['token', '--sub', 'u', '--role', 'developer', '--projects', 'p1']);
    expect(process.exitCode).toBeUndefined();
    expect(out.join('')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it('exits 78 with a message naming JWT_SECRET when it is absent', async () => {
    vi.stubEnv('JWT_SECRET', '');
    vi.stubEnv('DATABASE_URL', '');
    const { out, err } = capture();
    await main(['token', '--sub', 'u', '--role', 'admin']);
    expect(process.exitCode).toBe(78);
    expect(err.join('')).toContain('JWT_SECRET');
    expect(out.join('')).toBe('');
  });

  it('lists the command in the usage text', async () => {
    const { out } = capture();
    await main(['help']);
    expect(out.join('')).toMatch(/^\s+token\s/m);
  });
});

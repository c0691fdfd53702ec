// tracelens token: mints an HS256 token signed with JWT_SECRET, for scripts,
// tests and operators. Tokens for RS256/ES256 come from the identity provider.
import { ROLES, type Role } from '../auth/roles.js';
import { ConfigError, loadConfig } from '../config.js';
import { PERMISSIONS, type Permission } from '../auth/principal.js';
import { mintToken, type MintOptions } from '../auth/tokens.js';
import { UsageError, parseFlags } from './args.js';

export const TOKEN_USAGE =
  'usage: tracelens token --sub USER --role admin|developer|viewer|billing --projects p1,p2 [--org ORG] [--permissions a,b] [--ttl 1h|30m|3600]';

const TTL_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };
const MAX_TTL_S = 366 * 86400;

/** "3600", "90s", "30m", "12h", "7d" -> seconds. */
export function parseTtl(raw: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  if (!m) throw new UsageError(`--ttl: expected a number of seconds or a duration like 30m, 12h, 7d; got '${raw}'`);
  const seconds = Number(m[1]) * TTL_UNITS[m[2]!]!;
  if (seconds < 1 || seconds > MAX_TTL_S) throw new UsageError(`--ttl: must be between 1 second and 366 days, got '${raw}'`);
  return seconds;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses the flags and returns the signed token. */
export async function createToken(argv: string[], env: Record<string, string | undefined> = process.env): Promise<string> {
  const flags = parseFlags(argv, {
    sub: { type: 'string' },
    role: { type: 'string' },
    projects: { type: 'string' },
    org: { type: 'string' },
    permissions: { type: 'string' },
    ttl: { type: 'string' },
  });
  if (!flags.sub) throw new UsageError(`--sub is required\n${TOKEN_USAGE}`);
  if (!flags.role || !(ROLES as readonly string[]).includes(flags.role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}\n${TOKEN_USAGE}`);
  }
  const role = flags.role as Role;
  const projects = list(flags.projects);
  // A non-admin token without projects can read nothing; that is always a mistake.
  if (role !== 'admin' && projects.length === 0) throw new UsageError(`--projects is required for role '${role}'\n${TOKEN_USAGE}`);
  const permissions = list(flags.permissions);
  for (const p of permissions) {
    if (p !== '*' && !(PERMISSIONS as readonly string[]).includes(p)) {
      throw new UsageError(`--permissions: unknown permission '${p}' (known: ${PERMISSIONS.join(', ')}, *)`);
    }
  }
  const config = loadConfig(env);
  if (!config.jwt.secret) {
    throw new ConfigError('JWT_SECRET', 'is required to sign tokens (tokens for JWT_PUBLIC_KEY / JWT_JWKS_URL come from your identity provider)');
  }
  const opts: MintOptions = {
    sub: flags.sub,
    role,
    projects,
    ttlS: flags.ttl === undefined ? 3600 : parseTtl(flags.ttl),
    ...(flags.org ? { orgId: flags.org } : {}),
    ...(permissions.length ? { permissions: permissions as Permission[] } : {}),
    // A token the running service would reject is useless: carry its aud/iss.
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
  };
  return mintToken(config.jwt.secret, opts);
}

export async function tokenCommand(argv: string[]): Promise<void> {
  process.stdout.write(`${await createToken(argv)}\n`);
}

// Mints HS256 tokens (CLI, development mode) and maps verified claims to a
// Principal. Verification itself lives in verifier.ts.
import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { ROLES, type Role } from './roles.js';
import { appError } from '../errors.js';
import { PERMISSIONS, ROLE_PERMISSIONS, type Permission, type Principal } from './principal.js';

export interface MintOptions {
  sub: string;
  role: Role;
  projects?: readonly string[];
  orgId?: string;
  permissions?: readonly Permission[];
  /** Seconds until expiry. */
  ttlS?: number;
  audience?: string;
  issuer?: string;
}

export async function mintToken(secret: string, opts: MintOptions): Promise<string> {
  const jwt = new SignJWT({
    role: opts.role,
    projects: opts.projects ?? [],
    ...(opts.orgId ? { org_id: opts.orgId } : {}),
    ...(opts.permissions ? { permissions: opts.permissions } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.ttlS ?? 3600));
  if (opts.audience) jwt.setAudience(opts.audience);
  if (opts.issuer) jwt.setIssuer(opts.issuer);
  return jwt.sign(new TextEncoder().encode(secret));
}

export interface TokenVerifier {
  /** Resolves the caller, or throws AppError (401, or 503 when keys cannot be fetched). */
  verify(token: string): Promise<Principal>;
}

export function principalFromClaims(c: JWTPayload): Principal {
  const role = c.role;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw appError.UNAUTHORIZED(`Token role must be one of ${ROLES.join(', ')}`);
  }
  if (typeof c.sub !== 'string' || c.sub === '') throw appError.UNAUTHORIZED('Token has no subject');
  const projectsClaim = c.projects ?? [];
  if (!Array.isArray(projectsClaim) || !projectsClaim.every((p) => typeof p === 'string' && p.length > 0 && p.length <= 128)) {
    throw appError.UNAUTHORIZED('Token projects claim must be a list of project ids');
  }
  const extra = c.permissions ?? [];
  if (!Array.isArray(extra) || !extra.every((p) => typeof p === 'string')) {
    throw appError.UNAUTHORIZED('Token permissions claim must be a list of strings');
  }
  const perms = new Set<Permission>(ROLE_PERMISSIONS[role as Role]);
  for (const p of extra) {
    if (p === '*') PERMISSIONS.forEach((x) => perms.add(x));
    else if ((PERMISSIONS as readonly string[]).includes(p)) perms.add(p as Permission);
  }
  const orgId = typeof c.org_id === 'string' ? c.org_id : null;
  return {
    sub: c.sub,
    orgId,
    role: role as Role,
    permissions: perms,
    projects: role === 'admin' ? 'all' : [...new Set(projectsClaim as string[])].sort(),
    tokenId: typeof c.jti === 'string' ? c.jti : null,
  };
}

// Who is calling, once the token is verified. Every read and write is scoped
// through this object; nothing else decides tenant access.
import type { Role } from './roles.js';
import { appError } from '../errors.js';

export type Permission = 'read:traces' | 'write:traces' | 'read:costs' | 'read:metrics';
export const PERMISSIONS: readonly Permission[] = ['read:traces', 'write:traces', 'read:costs', 'read:metrics'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSIONS,
  developer: ['read:traces', 'write:traces', 'read:costs', 'read:metrics'],
  viewer: ['read:traces', 'read:costs', 'read:metrics'],
  billing: ['read:costs'],
};

export interface Principal {
  readonly sub: string;
  readonly orgId: string | null;
  readonly role: Role;
  readonly permissions: ReadonlySet<Permission>;
  /** 'all' for admin; otherwise the projects claim, sorted and de-duplicated. */
  readonly projects: 'all' | readonly string[];
  readonly tokenId: string | null;
}

export function hasPermission(p: Principal, perm: Permission): boolean {
  return p.permissions.has(perm);
}

export function requirePermission(p: Principal, perm: Permission): void {
  if (!hasPermission(p, perm)) throw appError.FORBIDDEN(`This token lacks the '${perm}' permission`);
}

export function canAccessProject(p: Principal, projectId: string): boolean {
  return p.projects === 'all' || p.projects.includes(projectId);
}

/**
 * The project ids a query must be limited to, or null for "every project"
 * (admin without an explicit project filter). A requested project outside the
 * caller's set is a 403, never an empty answer that hides the mistake.
 */
export function projectScope(p: Principal, requested?: readonly string[]): readonly string[] | null {
  if (requested && requested.length > 0) {
    for (const id of requested) {
      if (!canAccessProject(p, id)) throw appError.FORBIDDEN(`No access to project '${id}'`);
    }
    return [...new Set(requested)].sort();
  }
  return p.projects === 'all' ? null : p.projects;
}

/** Stable string naming the tenant scope; part of every cache key. */
export function scopeKey(p: Principal): string {
  const projects = p.projects === 'all' ? '*' : p.projects.join(',');
  return `${p.orgId ?? ''}|${p.role}|${projects}`;
}

// A Principal built directly (no token), for tests of code below the HTTP layer.
import { ROLE_PERMISSIONS, type Principal } from '../../src/auth/principal.js';
import type { Role } from '../../src/auth/roles.js';

export function principal(role: Role, projects: 'all' | string[], extra: Partial<Principal> = {}): Principal {
  return { sub: `user-${role}`, orgId: 'org-1', role, permissions: new Set(ROLE_PERMISSIONS[role]), projects, tokenId: null, ...extra };
}

// Claims -> Principal, role permission defaults, and project scoping.
import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/roles.js';
import { AppError } from '../../src/errors.js';
import { PERMISSIONS, projectScope, requirePermission, scopeKey, type Permission } from '../../src/auth/principal.js';
import { principalFromClaims } from '../../src/auth/tokens.js';

const principal = (role: Role, extra: Record<string, unknown> = {}) =>
  principalFromClaims({ sub: 'u1', role, projects: ['p2', 'p1', 'p2'], ...extra });

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe('role permission defaults (the contract table)', () => {
  const TABLE: Record<Role, Permission[]> = {
    admin: ['read:traces', 'write:traces', 'read:costs', 'read:metrics'],
    developer: ['read:traces', 'write:traces', 'read:costs', 'read:metrics'],
    viewer: ['read:traces', 'read:costs', 'read:metrics'],
    billing: ['read:costs'],
  };
  it.each(Object.entries(TABLE))('%s', (role, expected) => {
    const p = principal(role as Role);
    expect([...p.permissions].sort()).toEqual([...expected].sort());
    for (const perm of PERMISSIONS) {
      if (expected.includes(perm)) expect(() => requirePermission(p, perm)).not.toThrow();
      else expect(errorOf(() => requirePermission(p, perm))).toMatchObject({ code: 'FORBIDDEN', statusCode: 403 });
    }
  });

  it('a viewer cannot write', () => {
    expect(errorOf(() => requirePermission(principal('viewer'), 'write:traces')).code).toBe('FORBIDDEN');
  });
});

describe('permissions claim', () => {
  it('adds to the role defaults and never removes from them', () => {
    const p = principal('viewer', { permissions: ['write:traces'] });
    expect(() => requirePermission(p, 'write:traces')).not.toThrow();
    expect(() => requirePermission(p, 'read:traces')).not.toThrow();
  });
  it('ignores unknown permission names', () => {
    const p = principal('billing', { permissions: ['delete:everything', 'READ:TRACES'] });
    expect([...p.permissions]).toEqual(['read:costs']);
  });
  it('"*" grants every permission but not admin project access', () => {
    const p = principal('viewer', { permissions: ['*'] });
    expect(p.permissions.size).toBe(PERMISSIONS.length);
    expect(p.projects).toEqual(['p1', 'p2']);
  });
});

describe('claims validation', () => {
  it.each([
    ['unknown role', { sub: 'u', role: 'root', projects: [] }],
    ['role with different case', { sub: 'u', role: 'Admin', projects: [] }],
    ['no sub', { role: 'viewer', projects: [] }],
    ['empty sub', { sub: '', role: 'viewer', projects: [] }],
    ['projects not a list', { sub: 'u', role: 'viewer', projects: 'p1' }],
    ['empty project id', { sub: 'u', role: 'viewer', projects: [''] }],
    ['project id not a string', { sub: 'u', role: 'viewer', projects: [1] }],
    ['permissions not a list', { sub: 'u', role: 'viewer', permissions: 'read:traces' }],
  ])('%s is 401', (_name, c) => {
    expect(errorOf(() => principalFromClaims(c)).code).toBe('UNAUTHORIZED');
  });

  it('maps org_id and jti', () => {
    const p = principalFromClaims({ sub: 'u', role: 'viewer', projects: ['a'], org_id: 'org-1', jti: 'j-1' });
    expect(p).toMatchObject({ sub: 'u', orgId: 'org-1', tokenId: 'j-1', projects: ['a'] });
  });
});

describe('projectScope', () => {
  it('limits a non-admin to the projects claim, sorted and de-duplicated', () => {
    expect(projectScope(principal('viewer'))).toEqual(['p1', 'p2']);
  });
  it('narrows to requested projects the caller holds', () => {
    expect(projectScope(principal('viewer'), ['p2'])).toEqual(['p2']);
  });
  it('is 403 for a requested project outside the claim', () => {
    expect(errorOf(() => projectScope(principal('viewer'), ['p1', 'p3'])).code).toBe('FORBIDDEN');
  });
  it('gives a non-admin with no projects an empty scope, never "all"', () => {
    expect(projectScope(principalFromClaims({ sub: 'u', role: 'developer' }))).toEqual([]);
  });
  it('lets admin read every project (null) or any requested one', () => {
    const admin = principal('admin');
    expect(admin.projects).toBe('all');
    expect(projectScope(admin)).toBeNull();
    expect(projectScope(admin, ['anything'])).toEqual(['anything']);
  });
  it('gives different tenant scopes different cache-key parts', () => {
    const keys = new Set([
      scopeKey(principal('viewer')),
      scopeKey(principal('developer')),
      scopeKey(principalFromClaims({ sub: 'u', role: 'viewer', projects: ['p1'] })),
      scopeKey(principal('viewer', { org_id: 'o2' })),
    ]);
    expect(keys.size).toBe(4);
  });
});

// The roles a token may carry. Their permissions live in principal.ts; their
// request budgets are configuration (RATE_LIMIT_<ROLE>).
export type Role = 'admin' | 'developer' | 'viewer' | 'billing';
export const ROLES: readonly Role[] = ['admin', 'developer', 'viewer', 'billing'];

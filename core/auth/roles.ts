/**
 * A member's role in a project, each including the ones before it: a viewer reads dashboards and
 * answers; an analyst also defines insights, segments, experiments and dashboards, runs SQL and
 * exports; an admin also manages keys, members, reports and erasures; an owner also names owners.
 */
export const ROLES = ['viewer', 'analyst', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (s: unknown): s is Role => (ROLES as readonly unknown[]).includes(s);

/** Whether `have` includes everything `need` may do. */
export const atLeast = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

/** The lesser of two roles: a token never does more than the member who minted it may do now. */
export const lesser = (a: Role, b: Role): Role => (atLeast(a, b) ? b : a);

/**
 * Tokens and sign-in links made before roles carried scopes (read, write, admin): read looks,
 * write changed dashboards (an analyst's work), admin administered.
 */
export function roleOfScopes(scopes: readonly string[]): Role | undefined {
  if (scopes.includes('admin')) return 'admin';
  if (scopes.includes('write')) return 'analyst';
  if (scopes.includes('read')) return 'viewer';
  return undefined;
}

/** The scopes spelled into a token of this role, so tools that read scopes still read them right. */
export function scopesOfRole(role: Role): ('read' | 'write' | 'admin')[] {
  if (role === 'viewer') return ['read'];
  if (role === 'analyst') return ['read', 'write'];
  return ['read', 'write', 'admin'];
}

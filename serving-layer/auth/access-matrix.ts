import type { Role } from '../../core/auth/roles';

/**
 * Who may call each route: the one authorization matrix. The global AccessGuard enforces it on
 * every request, the OpenAPI document states it per operation (x-required-role), and the
 * authorization test walks it from that document. A route missing here answers 403 to everyone.
 *
 * - public: no credentials (health, the sign-in and invitation links, asking for a sign-in email);
 * - a role: a bearer token or session of the project with at least that role;
 * - instance-admin: a member flagged as the instance's administrator (creates projects).
 */
export type Need = 'public' | Role | 'instance-admin';

export interface RouteAccess {
  need: Need;
  /** Runs a query on the engines: counted against the project's concurrent heavy queries. */
  heavy?: true;
  /**
   * An audit entry for each call (changes, exports, members and keys). Reads of answers are
   * counted per token and route instead (see AuditLog.countAnswer). `target` names the path
   * parameter the entry records; a person's id is never one (the actor, never the data subject).
   */
  audit?: { action: string; target?: 'id' };
}

const viewer = (heavy?: true): RouteAccess => ({ need: 'viewer', ...(heavy ? { heavy } : {}) });
/** A read that needs more than a viewer (reports, members, the audit log). */
const reads = (need: Role): RouteAccess => ({ need });
const changes = (need: Need, action: string, target?: 'id'): RouteAccess => ({
  need,
  audit: { action, ...(target ? { target } : {}) },
});

/** The three definition kinds share their five routes (definitions/definition-controller.ts). */
function definitionRoutes(
  kind: 'insights' | 'segments' | 'experiments' | 'queries',
): Record<string, RouteAccess> {
  const one = kind === 'queries' ? 'query' : kind.slice(0, -1);
  return {
    [`GET /v1/${kind}`]: viewer(),
    [`GET /v1/${kind}/{id}`]: viewer(),
    [`POST /v1/${kind}`]: changes('analyst', `${one}.created`),
    [`PUT /v1/${kind}/{id}`]: changes('analyst', `${one}.changed`, 'id'),
    [`DELETE /v1/${kind}/{id}`]: changes('analyst', `${one}.deleted`, 'id'),
  };
}

export const ACCESS_MATRIX: Readonly<Record<string, RouteAccess>> = {
  'GET /health': { need: 'public' },
  'GET /login': { need: 'public' },
  'POST /logout': { need: 'public' },
  'POST /v1/auth/email-link': { need: 'public' },
  'GET /invite': { need: 'public' },

  'GET /v1/me': viewer(),
  'PUT /v1/me/settings': viewer(),
  'POST /v1/me/leave': changes('viewer', 'member.left'),

  'GET /v1/metrics': viewer(),
  'GET /v1/metrics/{name}': viewer(true),
  'GET /metrics': viewer(true),
  'GET /v1/content': viewer(true),
  'GET /v1/commerce': viewer(true),
  'GET /v1/commerce/products': viewer(true),
  'GET /v1/funnels': viewer(true),
  'GET /v1/paths': viewer(true),
  'GET /v1/retention': viewer(true),
  'GET /v1/sessions': viewer(true),
  'GET /v1/quality': viewer(true),

  'GET /v1/dashboards': viewer(),
  'GET /v1/dashboards/{id}': viewer(),
  'POST /v1/dashboards': changes('analyst', 'dashboard.created'),
  'PATCH /v1/dashboards/{id}': changes('analyst', 'dashboard.changed', 'id'),
  'DELETE /v1/dashboards/{id}': changes('analyst', 'dashboard.deleted', 'id'),

  ...definitionRoutes('insights'),
  // Asking an unsaved definition is exploring: nothing is kept.
  'POST /v1/insights/answer': viewer(true),
  // Analysts' SQL: the audit entry ('sql.run') is the route's own, written before it runs.
  'POST /v1/sql': { need: 'analyst', heavy: true },
  'GET /v1/sql/history': reads('analyst'),
  ...definitionRoutes('queries'),
  'GET /v1/queries/{id}/answer': viewer(true),
  'GET /v1/insights/{id}/answer': viewer(true),
  ...definitionRoutes('segments'),
  'GET /v1/segments/{id}/size': viewer(true),
  // Who is in a segment names people: an analyst's work, and an export.
  'GET /v1/segments/{id}/members': {
    need: 'analyst',
    heavy: true,
    audit: { action: 'segment.members_exported', target: 'id' },
  },
  ...definitionRoutes('experiments'),
  'GET /v1/experiments/{id}/results': viewer(true),
  'GET /v1/experiments/{id}/assign': viewer(),

  // One person's events and profile: personal data, for analysts.
  'GET /v1/events/{id}': { need: 'analyst', audit: { action: 'event.read' } },
  'GET /v1/users/{id}': { need: 'analyst', heavy: true, audit: { action: 'person.read' } },
  'GET /v1/persons/{id}': { need: 'analyst', heavy: true, audit: { action: 'person.read' } },
  'GET /v1/users/{id}/export': { need: 'admin', heavy: true, audit: { action: 'person.exported' } },
  'DELETE /v1/users/{id}': changes('admin', 'erasure.requested'),
  'GET /v1/erasures': reads('admin'),
  'GET /v1/erasures/{id}': reads('admin'),

  'GET /v1/reports': reads('admin'),
  'GET /v1/reports/{id}': reads('admin'),
  'GET /v1/reports/{id}/runs': reads('admin'),
  'GET /v1/reports/{id}/preview': { need: 'admin', heavy: true },
  'POST /v1/reports': changes('admin', 'report.created'),
  'PUT /v1/reports/{id}': changes('admin', 'report.changed', 'id'),
  'POST /v1/reports/{id}/pause': changes('admin', 'report.paused', 'id'),
  'POST /v1/reports/{id}/resume': changes('admin', 'report.resumed', 'id'),
  'POST /v1/reports/{id}/run': changes('admin', 'report.run', 'id'),
  'DELETE /v1/reports/{id}': changes('admin', 'report.deleted', 'id'),

  'GET /v1/members': reads('admin'),
  'GET /v1/members/invitations': reads('admin'),
  'POST /v1/members/invitations': changes('admin', 'member.invited'),
  'PUT /v1/members/{id}': changes('admin', 'member.role_changed', 'id'),
  'DELETE /v1/members/{id}': changes('admin', 'member.removed', 'id'),

  'GET /v1/tokens': viewer(),
  'POST /v1/tokens': changes('viewer', 'token.minted'),
  'DELETE /v1/tokens/{id}': changes('viewer', 'token.revoked', 'id'),
  'GET /v1/write-keys': reads('admin'),
  'POST /v1/write-keys': changes('admin', 'write_key.created'),
  'DELETE /v1/write-keys/{id}': changes('admin', 'write_key.revoked', 'id'),

  'GET /v1/audit': reads('admin'),
  'POST /v1/projects': changes('instance-admin', 'project.created'),
};

/** The matrix's key for a request: its method and its route in the OpenAPI document's spelling. */
export const routeKey = (method: string, expressPath: string): string =>
  `${method.toUpperCase()} ${expressPath.replace(/:(\w+)/g, '{$1}')}`;

/** The erasure routes in the OpenAPI document (serving-layer/openapi.ts). */

const userId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'the userId, as the SDK sent it',
  schema: { type: 'string' },
};
const erasureId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'the erasure id',
  schema: { type: 'string' },
};
const record = {
  description:
    'the audit entry: id, project, requestedBy, requestedAt, workflowId, status, removed, completedAt',
  content: { 'application/json': { schema: { type: 'object' } } },
};
const admin = {
  401: { description: 'missing, invalid or expired bearer token' },
  403: { description: 'the token lacks the admin scope' },
};

export const erasurePaths = {
  '/v1/users/{id}': {
    delete: {
      summary: 'Erase a user (GDPR): every event by userId, linked anonymous ids and aliases, everywhere',
      description:
        'Starts the eraseUser workflow (visible in the Temporal UI): the lake files holding the user are rewritten without them, their speed-view rows removed, sealed hours recomputed; their new events are dropped at ingest for ERASURE_DROP_DAYS. Follow it at /v1/erasures/{id}.',
      parameters: [userId],
      responses: {
        202: record,
        400: { description: 'an empty or over-long user id' },
        ...admin,
        503: { description: 'Temporal or PostgreSQL is not answering: nothing was recorded, try again' },
      },
      security: [{ bearer: [] }],
    },
  },
  '/v1/erasures': {
    get: {
      summary: "The project's erasures, newest first (audit trail; names no one)",
      parameters: [],
      responses: { 200: { ...record, description: 'audit entries' }, ...admin },
      security: [{ bearer: [] }],
    },
  },
  '/v1/erasures/{id}': {
    get: {
      summary: 'One erasure: running or done, and what it removed (counts, hours recomputed)',
      parameters: [erasureId],
      responses: { 200: record, 404: { description: 'no such erasure in this project' }, ...admin },
      security: [{ bearer: [] }],
    },
  },
};

/** The API document's entries for people and keys (serving-layer/access/). */

const json = (properties: Record<string, unknown>, required: string[] = []) => ({
  required: true,
  content: { 'application/json': { schema: { type: 'object', required, properties } } },
});
const idParam = (description: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const role = { type: 'string', enum: ['viewer', 'analyst', 'admin', 'owner'] };
const refusals = {
  401: { description: 'not signed in, or an invalid, expired or revoked token' },
  403: { description: 'the role is short of what the route needs (the message names both)' },
  429: { description: 'over the rate of the token or its project; Retry-After says when to retry' },
};
const op = (summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  summary,
  tags: ['access'],
  security: [{ bearer: [] }],
  ...extra,
  responses: { ...responses, ...refusals },
});

export const accessPaths = {
  '/v1/auth/email-link': {
    post: {
      summary: 'Email a one-time sign-in link (15 minutes) to a member of the project',
      tags: ['sign-in'],
      requestBody: json({ email: { type: 'string' }, project: { type: 'string' } }, ['email', 'project']),
      responses: {
        202: { description: 'the same answer whether or not the address is a member' },
        400: { description: 'not an email address or project id' },
        429: { description: 'too many requests from this address' },
      },
    },
  },
  '/invite': {
    get: {
      summary: 'Accept an invitation (the emailed link): become a member, signed in, and open the app',
      tags: ['sign-in'],
      parameters: [
        {
          name: 'code',
          in: 'query',
          required: true,
          description: 'the one-time code',
          schema: { type: 'string' },
        },
      ],
      responses: {
        302: { description: 'joined and signed in: session cookie set, redirect to /' },
        401: { description: 'the invitation was used already or has expired' },
      },
    },
  },
  '/v1/me/leave': {
    post: op('Leave the project (not its last owner)', {
      204: { description: 'left; the session ends' },
      409: { description: 'the last owner, or not a member' },
    }),
  },
  '/v1/members': {
    get: op('The members of the project and their roles', {
      200: { description: '{ members: [{ userId, email, role, addedAt }] }' },
    }),
  },
  '/v1/members/invitations': {
    get: op('Invitations sent, newest first', { 200: { description: '{ invitations }' } }),
    post: op(
      'Invite an address with a role: a one-time link by email (7 days)',
      {
        201: { description: '{ email, role, expiresAt }' },
        400: { description: 'not an email address or role' },
      },
      { requestBody: json({ email: { type: 'string' }, role }, ['email', 'role']) },
    ),
  },
  '/v1/members/{id}': {
    put: op(
      "Change a member's role (owners alone touch owners; nobody grants above their own role)",
      {
        200: { description: 'the member' },
        404: { description: 'not a member of this project' },
        409: { description: 'the last owner keeps the role' },
      },
      { parameters: [idParam('the userId from GET /v1/members')], requestBody: json({ role }, ['role']) },
    ),
    delete: op(
      'Remove a member: sessions end, personal tokens stop, an open live feed closes',
      {
        204: { description: 'removed' },
        404: { description: 'not a member of this project' },
        409: { description: 'the last owner stays' },
      },
      { parameters: [idParam('the userId from GET /v1/members')] },
    ),
  },
  '/v1/tokens': {
    get: op('Personal API tokens: your own, or all of the project for an admin', {
      200: { description: '{ tokens }' },
    }),
    post: op(
      'Mint a personal API token (at most your role; bounded by it at every use); shown once',
      {
        201: { description: '{ id, name, role, expiresAt, token }' },
        400: { description: 'a bad field, or a caller who is not a member' },
      },
      {
        requestBody: json(
          { name: { type: 'string' }, role, expiresInDays: { type: 'integer', minimum: 1, maximum: 365 } },
          ['name'],
        ),
      },
    ),
  },
  '/v1/tokens/{id}': {
    delete: op(
      'Revoke a token (your own; an admin any of the project)',
      {
        204: { description: 'revoked everywhere within seconds' },
        404: { description: 'no such token of yours' },
      },
      { parameters: [idParam('the token id from GET /v1/tokens')] },
    ),
  },
  '/v1/write-keys': {
    get: op("The project's write keys (ids and names; never the keys)", {
      200: { description: '{ writeKeys }' },
    }),
    post: op(
      'Create a write key for the SDKs; the key is shown once',
      { 201: { description: '{ id, name, writeKey }' } },
      {
        requestBody: json(
          {
            name: { type: 'string' },
            allowedCidrs: {
              type: 'array',
              items: { type: 'string' },
              description: 'networks the collector accepts this key from (CIDR); absent: anywhere',
            },
          },
          ['name'],
        ),
      },
    ),
  },
  '/v1/write-keys/{id}': {
    delete: op(
      'Revoke a write key: collectors refuse it within seconds',
      { 204: { description: 'revoked' }, 404: { description: 'no active key with this id' } },
      { parameters: [idParam('the id from GET /v1/write-keys')] },
    ),
  },
  '/v1/audit': {
    get: op(
      'The audit log, newest first: answers served (counted per minute), changes, exports, members, keys, erasures',
      { 200: { description: '{ entries: [{ at, actor, action, target, detail }] }' } },
      {
        parameters: [
          { name: 'from', in: 'query', description: 'ISO 8601', schema: { type: 'string' } },
          { name: 'to', in: 'query', description: 'ISO 8601', schema: { type: 'string' } },
          {
            name: 'action',
            in: 'query',
            description: 'an action (member.invited) or its kind (member)',
            schema: { type: 'string' },
          },
          { name: 'actor', in: 'query', description: 'as entries name it', schema: { type: 'string' } },
          { name: 'limit', in: 'query', description: '1 to 1000 (200)', schema: { type: 'integer' } },
          {
            name: 'changesOnly',
            in: 'query',
            description: 'true: leave out the counted answers',
            schema: { type: 'boolean' },
          },
        ],
      },
    ),
  },
  '/v1/projects': {
    post: op(
      'Create a project (instance admins): its owner is invited by email',
      { 201: { description: '{ id, owner }' }, 409: { description: 'the project exists' } },
      { requestBody: json({ id: { type: 'string' }, owner: { type: 'string' } }, ['id', 'owner']) },
    ),
  },
};

import { z } from 'zod';
import { DashboardPatchSchema, NewDashboardSchema } from './definition';

/** The dashboards and sign-in routes in the OpenAPI document (serving-layer/openapi.ts). */

const schema = (s: z.ZodType) =>
  z.toJSONSchema(s, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
const dashboard = {
  description: 'the dashboard: id, name, tiles (each with its id), version, createdAt, updatedAt',
  content: { 'application/json': { schema: { type: 'object' } } },
};
const common = {
  401: { description: 'missing or invalid bearer token or session' },
  503: { description: 'the metadata store (PostgreSQL) does not answer: retry' },
};
const id = [
  {
    name: 'id',
    in: 'path',
    required: true,
    description: 'the dashboard id (UUID)',
    schema: { type: 'string' },
  },
];
const notFound = { 404: { description: "no such dashboard in the caller's project" } };
const op = (summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  summary,
  tags: ['dashboards'],
  security: [{ bearer: [] }],
  ...extra,
  responses: { ...responses, ...common },
});
const body = (s: z.ZodType) => ({
  requestBody: { required: true, content: { 'application/json': { schema: schema(s) } } },
});
const invalid = { 400: { description: 'invalid: the message lists each mistake by field' } };

export const dashboardPaths = {
  '/v1/dashboards': {
    get: op("The project's saved dashboards", {
      200: { description: 'the dashboards', content: { 'application/json': { schema: { type: 'object' } } } },
    }),
    post: op('Save a dashboard', { 201: dashboard, ...invalid }, body(NewDashboardSchema)),
  },
  '/v1/dashboards/{id}': {
    get: op('One dashboard', { 200: dashboard, ...notFound }, { parameters: id }),
    patch: op(
      'Rename it and/or replace its tiles (the array is the new order); with version, only if unchanged since',
      {
        200: dashboard,
        ...invalid,
        ...notFound,
        409: { description: 'changed since that version: GET it again' },
      },
      { parameters: id, ...body(DashboardPatchSchema) },
    ),
    delete: op('Delete a dashboard', { 204: { description: 'deleted' }, ...notFound }, { parameters: id }),
  },
};

export const signInPaths = {
  '/login': {
    get: {
      summary: 'Trade a sign-in link (./platform login) for a session cookie, then open the app',
      tags: ['sign-in'],
      parameters: [
        {
          name: 'code',
          in: 'query',
          required: true,
          description: 'the one-time code of the link',
          schema: { type: 'string' },
        },
      ],
      responses: {
        302: { description: 'signed in: HttpOnly session cookie set, redirect to /' },
        401: { description: 'the link was already used or has expired' },
      },
    },
  },
  '/v1/me': {
    get: {
      summary: 'The project and scopes of the caller (its session or token), its user and time zone',
      tags: ['sign-in'],
      security: [{ bearer: [] }],
      responses: {
        200: { description: '{ project, scopes, user (sessions only), timeZone (UTC when none is saved) }' },
        401: { description: 'not signed in' },
      },
    },
  },
  '/v1/me/settings': {
    put: {
      summary: "Save the signed-in user's settings: the time zone pages show times in",
      tags: ['sign-in'],
      security: [{ bearer: [] }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['timeZone'],
              properties: { timeZone: { type: 'string', description: 'IANA time zone (Europe/Paris)' } },
            },
          },
        },
      },
      responses: {
        200: { description: 'the caller, as GET /v1/me answers, with the saved settings' },
        400: { description: 'not an IANA time zone, or a token that names no user (sign in with a link)' },
        401: { description: 'not signed in' },
        503: { description: 'PostgreSQL (the metadata store) is unreachable' },
      },
    },
  },
  '/logout': {
    post: {
      summary: 'End the browser session',
      tags: ['sign-in'],
      responses: { 204: { description: 'signed out; the cookie is cleared' } },
    },
  },
};

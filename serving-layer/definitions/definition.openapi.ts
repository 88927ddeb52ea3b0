import { z } from 'zod';

/** The routes every kind of definition has (list, define, read, replace, delete) in the OpenAPI document. */

const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const common = {
  401: { description: 'missing or invalid bearer token or session' },
  503: { description: 'the metadata store (PostgreSQL) does not answer: retry' },
};
const admin = { 403: { description: 'needs a token with the admin scope' } };
const invalid = { 400: { description: 'invalid: the message lists each mistake by field' } };

export function definitionOpenApi(kind: { name: string; plural: string; schema: z.ZodType }) {
  const notFound = { 404: { description: `no such ${kind.name} in the caller's project` } };
  const id = {
    name: 'id',
    in: 'path',
    required: true,
    description: `the ${kind.name} id`,
    schema: { type: 'string' },
  };
  const op = (summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    summary,
    tags: [kind.plural],
    security: [{ bearer: [] }],
    ...extra,
    responses: { ...responses, ...common },
  });
  const body = {
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: z.toJSONSchema(kind.schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }),
        },
      },
    },
  };
  const one = json(`the ${kind.name}: projectId, definition, version, createdAt, updatedAt`);
  const paths = {
    [`/v1/${kind.plural}`]: {
      get: op(`The project's ${kind.plural}`, { 200: json(`{ ${kind.plural} }`) }),
      post: op(
        `Define a ${kind.name} (admin)`,
        { 201: one, ...invalid, ...admin, 409: json('that id exists') },
        body,
      ),
    },
    [`/v1/${kind.plural}/{id}`]: {
      get: op(`One ${kind.name}`, { 200: one, ...notFound }, { parameters: [id] }),
      put: op(
        'Replace its definition (admin); with ?version=N, only if unchanged since',
        {
          200: one,
          ...invalid,
          ...admin,
          ...notFound,
          409: json('changed since that version: GET it again'),
        },
        {
          parameters: [
            id,
            {
              name: 'version',
              in: 'query',
              required: false,
              description: 'the version GET answered',
              schema: { type: 'integer' },
            },
          ],
          ...body,
        },
      ),
      delete: op(
        `Delete a ${kind.name} (admin)`,
        { 204: { description: 'deleted' }, ...admin, ...notFound },
        {
          parameters: [id],
        },
      ),
    },
  };
  return { paths, op, id, json, notFound, body };
}

import { z } from 'zod';
import { definitionOpenApi } from '../definitions/definition.openapi';
import { ARROW_STREAM, PARQUET } from '../answers/answer-formats';
import { SavedQuerySchema, SqlRequestSchema } from './saved-query';

/** The SQL routes in the OpenAPI document (serving-layer/openapi.ts). */

const { paths, op, id } = definitionOpenApi({ name: 'query', plural: 'queries', schema: SavedQuerySchema });

const answer = {
  description:
    'the answer: JSON { columns: [{ name, type }], rows, rowCount, range, parts, watermark }; with Accept ' +
    `${ARROW_STREAM} an Arrow IPC stream, with ${PARQUET} a Parquet file, both streamed, the parts in the ` +
    "schema's metadata (lambda.parts) and the X-Answer-Parts header",
  content: {
    'application/json': { schema: { type: 'object' } },
    [ARROW_STREAM]: { schema: { type: 'string', format: 'binary' } },
    [PARQUET]: { schema: { type: 'string', format: 'binary' } },
  },
};
const refused = {
  400: {
    description:
      "a statement the sandbox refuses (not one SELECT; a file, a setting, an extension) or the engine's error, with its line and column",
  },
  503: {
    description: 'past its time budget (API_QUERY_TIMEOUT_MS), or hours of the range no layer can answer now',
  },
};
const range = [
  {
    name: 'from',
    in: 'query',
    required: false,
    description: 'start (default: 30 days before to)',
    schema: { type: 'string', format: 'date-time' },
  },
  {
    name: 'to',
    in: 'query',
    required: false,
    description: 'end, exclusive (default: now)',
    schema: { type: 'string', format: 'date-time' },
  },
];

export const sqlPaths = {
  '/v1/sql': {
    post: op(
      "Read-only SQL over the project's events, persons, person_ids and sessions, merged across the layers (analyst)",
      { 200: answer, ...refused },
      {
        tags: ['sql'],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: z.toJSONSchema(SqlRequestSchema, {
                target: 'openapi-3.0',
                io: 'input',
                unrepresentable: 'any',
              }),
            },
          },
        },
      },
    ),
  },
  '/v1/sql/history': {
    get: op(
      "The caller's latest statements in the project, newest first (analyst)",
      { 200: { description: '{ history: [{ id, statement, from, to, startedAt, ms, rows, error }] }' } },
      {
        tags: ['sql'],
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: '1-500 (default 50)',
            schema: { type: 'integer' },
          },
        ],
      },
    ),
  },
  ...paths,
  '/v1/queries/{id}/answer': {
    get: op(
      'A saved query answered over a range',
      { 200: answer, ...refused, 404: { description: 'no such query' } },
      {
        parameters: [id, ...range],
      },
    ),
  },
};

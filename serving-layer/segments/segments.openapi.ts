import { SegmentSchema } from '../../core/segments/definition';
import { definitionOpenApi } from '../definitions/definition.openapi';

/** The segments routes in the OpenAPI document (serving-layer/openapi.ts). */

const { paths, op, id, json, notFound } = definitionOpenApi({
  name: 'segment',
  plural: 'segments',
  schema: SegmentSchema,
});

const time = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type: 'string', format: 'date-time' },
});

export const segmentPaths = {
  ...paths,
  '/v1/segments/{id}/size': {
    get: op(
      'Members and known users at the end of each bucket (exact counts)',
      {
        200: json(
          '{ segment, granularity, buckets: [{ start, members, known }], parts, watermark, freshness }',
        ),
        400: { description: 'a bad range or granularity, or more than 1000 buckets' },
        ...notFound,
      },
      {
        parameters: [
          id,
          time('from', 'start of the range (default: 24 hours ago)'),
          time('to', 'end of the range, exclusive (default: now)'),
          {
            name: 'granularity',
            in: 'query',
            required: false,
            description: 'bucket size: minute, hour or day (default day)',
            schema: { type: 'string', enum: ['minute', 'hour', 'day'] },
          },
        ],
      },
    ),
  },
  '/v1/segments/{id}/members': {
    get: op(
      'The users in the segment at a moment, with their traits then',
      {
        200: {
          description: 'CSV: user, first_seen, then one column per trait',
          content: { 'text/csv': { schema: { type: 'string' } } },
        },
        400: { description: 'a bad or future time' },
        ...notFound,
      },
      { parameters: [id, time('at', 'the moment (default: now)')] },
    ),
  },
};

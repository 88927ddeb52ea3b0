import { InsightSchema } from '../../core/insights/definition';
import { definitionOpenApi } from '../definitions/definition.openapi';

/** The insights routes in the OpenAPI document (serving-layer/openapi.ts). */

const { paths, op, id, json, notFound, body } = definitionOpenApi({
  name: 'insight',
  plural: 'insights',
  schema: InsightSchema,
});

const query = (name: string, description: string, schema: Record<string, unknown>) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const answerParams = [
  query('from', 'start of the range (default: 24 hours ago)', { type: 'string', format: 'date-time' }),
  query('to', 'end of the range, exclusive (default: now)', { type: 'string', format: 'date-time' }),
  query('granularity', 'bucket size: minute, hour, day, week (from Monday) or month (default day)', {
    type: 'string',
    enum: ['minute', 'hour', 'day', 'week', 'month'],
  }),
  query('tz', 'the IANA time zone days, weeks and months start in (default UTC)', { type: 'string' }),
  query('rolling', 'each bucket over this many buckets ending with it (7 with day: 7-day rolling)', {
    type: 'integer',
    minimum: 1,
    maximum: 366,
  }),
  query('compare', 'previous: also the period of the same length just before, and the change', {
    type: 'string',
    enum: ['previous'],
  }),
];
const answered = json(
  '{ insight, measure, value, buckets: [{ start, dim?, value, source }], parts, watermark, previous?, change?, standardError?, relativeError?, timeZone, freshness }',
);
const refused = {
  400: { description: 'a bad range, granularity or definition' },
  503: { description: 'hours of the range no layer can answer now: the message names the backfill' },
};

export const insightPaths = {
  ...paths,
  '/v1/insights/{id}/answer': {
    get: op(
      'A defined metric over a range, merged across the layers',
      { 200: answered, ...refused, ...notFound },
      {
        parameters: [id, ...answerParams],
      },
    ),
  },
  '/v1/insights/answer': {
    post: op(
      'A definition answered as sent, without storing it (the explorer)',
      { 200: answered, ...refused },
      {
        parameters: answerParams,
        ...body,
      },
    ),
  },
};

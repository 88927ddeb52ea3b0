import type { OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import { ENGAGEMENT_SCORE } from './query/content-query';
import {
  ContentParams,
  FunnelParams,
  PathParams,
  METRIC_NAMES,
  MetricByNameParams,
  MetricParams,
  ProductsParams,
  CommerceParams,
  RangeParams,
  RetentionParams,
  SessionParams,
} from './query/params';
import { reportPaths } from './reports/reports.openapi';
import { dashboardPaths, signInPaths } from './dashboards/dashboards.openapi';
import { experimentPaths } from './experiments/experiments.openapi';
import { segmentPaths } from './segments/segments.openapi';
import { insightPaths } from './insights/insights.openapi';
import { sqlPaths } from './sql/sql.openapi';
import { erasurePaths } from './erasure/erasure.openapi';
import { accessPaths } from './access/access.openapi';
import { ACCESS_MATRIX } from './auth/access-matrix';

/**
 * The API described by hand: the code runs without decorator type metadata (esbuild), so the
 * document is written here, next to the routes, and a test checks that every route is in it.
 */

type Param = {
  name: string;
  in: 'query' | 'path';
  required?: boolean;
  description: string;
  schema: Record<string, unknown>;
};

/** A route's query parameters, generated from the zod schema its controller parses with. */
function queryParams(schema: z.ZodObject): Param[] {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as {
    properties: Record<string, { description?: string } & Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties).map(([name, { description, ...rest }]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    description: description ?? '',
    schema: rest,
  }));
}

const metricName = { type: 'string', enum: [...METRIC_NAMES] };

/** Spans of time (from, to), as pendingRepair lists the hours waiting for late-data repair. */
const spans = (description?: string) => ({
  type: 'array',
  ...(description ? { description } : {}),
  items: {
    type: 'object',
    properties: {
      from: { type: 'string', format: 'date-time' },
      to: { type: 'string', format: 'date-time' },
    },
  },
});

const layered = {
  parts: {
    type: 'array',
    description:
      'which layer answered which part of the range: batch for sealed hours, speed after the watermark and for ' +
      'unsealed hours inside the speed horizon, late for sealed hours with late events waiting for repair (answered whole from the speed view)',
    items: {
      type: 'object',
      properties: {
        source: { type: 'string', enum: ['batch', 'speed', 'late'] },
        from: { type: 'string', format: 'date-time' },
        to: { type: 'string', format: 'date-time' },
        value: { type: 'number' },
      },
    },
  },
  watermark: {
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'end of the last sealed hour: the batch view answers before it',
  },
  freshness: {
    type: 'object',
    properties: {
      speedLastReceivedAt: { type: 'string', format: 'date-time', nullable: true },
      lagSeconds: { type: 'number', nullable: true },
      pendingRepair: {
        type: 'object',
        description: 'present when part of the answer is sealed hours waiting for late-data repair',
        properties: {
          workflow: { type: 'string', enum: ['lateDataRepair'] },
          everySeconds: { type: 'number' },
          parts: spans(),
        },
      },
    },
  },
};

const ok = (description: string, properties: Record<string, unknown> = {}) => ({
  200: {
    description,
    content: { 'application/json': { schema: { type: 'object', properties: { ...properties } } } },
  },
  400: { description: 'bad parameter: the message says which and why' },
  401: { description: 'missing, invalid or expired bearer token, or no read scope' },
  503: {
    description:
      'part of the range is older than the speed view keeps and not sealed by the batch layer yet: the message names the backfill to run',
  },
});

const get = (
  summary: string,
  parameters: Param[],
  responses: ReturnType<typeof ok>,
  description?: string,
) => ({
  get: {
    summary,
    ...(description ? { description } : {}),
    parameters,
    responses,
    security: [{ bearer: [] }],
  },
});

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * Each operation states who may call it, from the authorization matrix (x-required-role, and a
 * line in its description); public ones need no credentials. An operation the matrix lacks is a
 * programming error: the guard would refuse everyone.
 */
function withRoles(paths: Record<string, Record<string, Record<string, unknown>>>) {
  for (const [path, ops] of Object.entries(paths))
    for (const method of METHODS) {
      const o = ops[method];
      if (!o) continue;
      const rule = ACCESS_MATRIX[`${method.toUpperCase()} ${path}`];
      if (!rule)
        throw new Error(`${method.toUpperCase()} ${path} is documented but not in the authorization matrix`);
      o['x-required-role'] = rule.need;
      const who =
        rule.need === 'public'
          ? 'Public: no credentials.'
          : rule.need === 'instance-admin'
            ? 'Needs an administrator of the instance.'
            : `Needs the ${rule.need} role in the project (or above).`;
      o.description = o.description ? `${who} ${String(o.description)}` : who;
      if (rule.need === 'public') o.security = [];
      else o.security ??= [{ bearer: [] }];
    }
  return paths;
}

export function openApiDocument(): OpenAPIObject {
  const metricAnswer = ok('the metric, merged across the layers', {
    metric: { type: 'string' },
    value: { type: 'number' },
    source: { type: 'string', enum: ['batch', 'speed', 'late', 'mixed'] },
    pendingRepair: spans(
      'sealed hours answered from the speed view until late-data repair publishes them again',
    ),
    buckets: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          start: { type: 'string', format: 'date-time' },
          dim: { type: 'string' },
          value: { type: 'number' },
          source: { type: 'string', enum: ['batch', 'speed', 'late', 'mixed'] },
        },
      },
    },
    standardError: {
      type: 'number',
      description: 'unique counts only: relative standard error of the estimate',
    },
    ...layered,
  });
  return {
    openapi: '3.0.3',
    info: {
      title: 'Analytics serving API',
      version: '1',
      description:
        'Every answer merges the batch view (sealed hours, up to the batch watermark) with the speed view (after it, and for sealed hours ' +
        'with late events waiting for repair): each hour comes from one layer, counts add, unique counts merge HyperLogLog sketches. ' +
        'Hours no layer can answer (unsealed and older than the speed horizon) get a 503 naming what makes them answerable, never zero. ' +
        "Every route but sign-in needs `Authorization: Bearer <token>` (POST /v1/tokens, or ./platform token --project P) or a signed-in session; the token's project scopes every query. " +
        'Each operation states the role it needs (x-required-role): viewer < analyst < admin < owner. ' +
        'Over the rate of a token or its project: 429 with Retry-After.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: withRoles({
      '/v1/metrics': get('The metric catalog', [], ok('metrics with their events, value kind and dimension')),
      '/v1/metrics/{name}': get(
        'One catalog metric over a range',
        [
          { name: 'name', in: 'path', required: true, description: 'a catalog metric', schema: metricName },
          ...queryParams(MetricParams),
        ],
        metricAnswer,
      ),
      '/metrics': get(
        'Same as /v1/metrics/{name}, the name as a parameter',
        queryParams(MetricByNameParams),
        metricAnswer,
      ),
      '/v1/content': get(
        'Top content: plays, watch time, completion rate, engagement',
        queryParams(ContentParams),
        ok('per content item', { items: { type: 'array' }, engagementScore: { type: 'string' }, ...layered }),
        ENGAGEMENT_SCORE,
      ),
      '/v1/commerce': get(
        'Revenue, orders, refunds and average order value per currency; checkout conversion',
        queryParams(CommerceParams),
        ok('per currency', {
          currencies: { type: 'array' },
          checkoutConversion: { type: 'number' },
          ...layered,
        }),
      ),
      '/v1/commerce/products': get(
        'Views, carts, orders, units, revenue and conversion per product or category',
        queryParams(ProductsParams),
        ok('conversion = order lines / views; cart rate = add-to-carts / views', {
          items: { type: 'array' },
          ...layered,
        }),
      ),
      '/v1/funnels': get(
        'A funnel: per step, the persons who did every step so far (in order, strictly, or in any order) within the window; exclusions, breakdown',
        queryParams(FunnelParams),
        ok(
          'per step: users, conversion from the start and from the previous step, drop-off; time to convert; per breakdown group',
          {
            steps: { type: 'array' },
            groups: { type: 'array' },
            timeToConvert: { type: 'object' },
            ...layered,
          },
        ),
      ),
      '/v1/paths': get(
        'Paths: where persons go after a page or an event (or came from, direction=before), step by step within a visit',
        queryParams(PathParams),
        ok('the most taken paths with how many persons took each, and Sankey links per step', {
          paths: { type: 'array' },
          links: { type: 'array' },
          ...layered,
        }),
      ),
      '/v1/retention': get(
        'Retention cohorts: users by the period of their first activity in the range, and who came back',
        queryParams(RetentionParams),
        ok('cohorts with retained counts and rates per period', { cohorts: { type: 'array' }, ...layered }),
      ),
      '/v1/sessions': get(
        "Sessions: a person's events with no gap longer than SESSION_TIMEOUT_MINUTES (30), counted in the bucket where each starts",
        queryParams(SessionParams),
        ok(
          'sessions, bounces (single-event sessions), bounce rate, average and median duration, pages per session, per bucket and over the range; entry and exit pages',
          {
            buckets: { type: 'array' },
            entryPages: { type: 'array' },
            exitPages: { type: 'array' },
            ...layered,
          },
        ),
      ),
      '/v1/persons/{id}': get(
        'A person by any of its ids: the ids joined by identify and alias calls, merged traits, totals',
        [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'a user id or an anonymous id',
            schema: { type: 'string' },
          },
        ],
        ok(
          'ids, merges and refusals, traits, first and last seen, totals, sessions, devices, places, latest events',
        ),
      ),
      '/v1/users/{id}': {
        ...get(
          "A user's activity summary",
          [{ name: 'id', in: 'path', required: true, description: 'the userId', schema: { type: 'string' } }],
          ok('events by name, first and last seen, recent events'),
        ),
        ...erasurePaths['/v1/users/{id}'],
      },
      '/v1/users/{id}/export': get(
        'Every event of a user (by userId, linked anonymous ids, aliases) as NDJSON, oldest first (admin)',
        [{ name: 'id', in: 'path', required: true, description: 'the userId', schema: { type: 'string' } }],
        ok('newline-delimited JSON, one stored event per line'),
      ),
      '/v1/quality': get(
        'Data quality of the project over whole hours: volume anomalies against the same hour of earlier weeks, duplicates, late share, delivery delay, quarantine rate and reasons',
        queryParams(RangeParams),
        ok(
          '{ events: [{ event, events, duplicates, duplicateRate, late, lateShare, delaySeconds }], anomalies, quarantine, definitions }',
        ),
      ),
      '/v1/events/{id}': get(
        'One event by its messageId',
        [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'the messageId',
            schema: { type: 'string' },
          },
        ],
        ok('the stored event and the layer it came from'),
      ),
      ...reportPaths,
      ...dashboardPaths,
      ...signInPaths,
      ...experimentPaths,
      ...segmentPaths,
      ...insightPaths,
      ...sqlPaths,
      '/v1/erasures': erasurePaths['/v1/erasures'],
      '/v1/erasures/{id}': erasurePaths['/v1/erasures/{id}'],
      ...accessPaths,
    } as unknown as Record<string, Record<string, Record<string, unknown>>>),
  } as OpenAPIObject;
}

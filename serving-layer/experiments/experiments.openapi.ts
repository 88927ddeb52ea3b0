import { ExperimentSchema } from '../../core/experiments/definition';
import { definitionOpenApi } from '../definitions/definition.openapi';

/** The experiments routes in the OpenAPI document (serving-layer/openapi.ts). */

const { paths, op, id, json, notFound } = definitionOpenApi({
  name: 'experiment',
  plural: 'experiments',
  schema: ExperimentSchema,
});

export const experimentPaths = {
  ...paths,
  '/v1/experiments/{id}/results': {
    get: op(
      'Results: users and each metric per variation, each variation against the control (frequentist and Bayesian), SRM',
      {
        200: json(
          '{ variations, excluded, srm: { pValue, flagged }, metrics: [{ metric, role, variations, comparisons: [{ variation, frequentist, bayesian }] }], parts, watermark, freshness }',
        ),
        400: { description: 'a bad option, or a metric with no mean per user' },
        ...notFound,
      },
      {
        parameters: [
          id,
          {
            name: 'cuped',
            in: 'query',
            required: false,
            description: 'CUPED with the same metric before exposure (default true)',
            schema: { type: 'boolean' },
          },
          {
            name: 'sequential',
            in: 'query',
            required: false,
            description: 'always-valid intervals and p-values (default false)',
            schema: { type: 'boolean' },
          },
          {
            name: 'tuning',
            in: 'query',
            required: false,
            description: "sequential testing's tuning parameter (default 5000)",
            schema: { type: 'number' },
          },
          {
            name: 'segment',
            in: 'query',
            required: false,
            description: 'only users in this segment at their first exposure',
            schema: { type: 'string' },
          },
          {
            name: 'alpha',
            in: 'query',
            required: false,
            description: 'significance level (default 0.05)',
            schema: { type: 'number' },
          },
        ],
      },
    ),
  },
  '/v1/experiments/{id}/assign': {
    get: op(
      "A user's variation: GrowthBook's hashing (version 2), the GrowthBook SDKs' answer",
      {
        200: json('{ experiment, userId, inExperiment, variationId, variationIndex, running, hashVersion }'),
        400: { description: 'userId missing' },
        ...notFound,
      },
      {
        parameters: [
          id,
          {
            name: 'userId',
            in: 'query',
            required: true,
            description: 'the id the user is assigned by',
            schema: { type: 'string' },
          },
        ],
      },
    ),
  },
};

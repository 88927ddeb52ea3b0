import { z } from 'zod';
import { ExperimentSchema } from '../../core/experiments/definition';

/** The experiments routes in the OpenAPI document (serving-layer/openapi.ts). */

const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const common = {
  401: { description: 'missing or invalid bearer token or session' },
  503: { description: 'the metadata store (PostgreSQL) does not answer: retry' },
};
const admin = { 403: { description: 'needs a token with the admin scope' } };
const notFound = { 404: { description: "no such experiment in the caller's project" } };
const invalid = { 400: { description: 'invalid: the message lists each mistake by field' } };
const id = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'the experiment id',
  schema: { type: 'string' },
};
const op = (summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  summary,
  tags: ['experiments'],
  security: [{ bearer: [] }],
  ...extra,
  responses: { ...responses, ...common },
});
const body = {
  requestBody: {
    required: true,
    content: {
      'application/json': {
        schema: z.toJSONSchema(ExperimentSchema, {
          target: 'openapi-3.0',
          io: 'input',
          unrepresentable: 'any',
        }),
      },
    },
  },
};
const experiment = json('the experiment: projectId, definition, version, createdAt, updatedAt');

export const experimentPaths = {
  '/v1/experiments': {
    get: op("The project's experiments", { 200: json('{ experiments }') }),
    post: op(
      'Define an experiment (admin)',
      { 201: experiment, ...invalid, ...admin, 409: json('that id exists') },
      body,
    ),
  },
  '/v1/experiments/{id}': {
    get: op('One experiment', { 200: experiment, ...notFound }, { parameters: [id] }),
    put: op(
      'Replace its definition (admin); with ?version=N, only if unchanged since',
      {
        200: experiment,
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
      'Delete an experiment (admin)',
      { 204: { description: 'deleted' }, ...admin, ...notFound },
      { parameters: [id] },
    ),
  },
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

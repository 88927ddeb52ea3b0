import { z } from 'zod';
import { ReportDefinitionSchema } from '../../core/reports/definition';

/** The reports routes in the OpenAPI document (serving-layer/openapi.ts). */

/** A report definition as callers send it, generated from the schema the API parses with. */
const definition = z.toJSONSchema(ReportDefinitionSchema, { target: 'openapi-3.0', io: 'input' });

const state = {
  description: 'the report as its Temporal Schedule holds it',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          report: definition,
          schedule: { type: 'string', description: 'the Temporal Schedule id, report-<project>.<id>' },
          paused: { type: 'boolean' },
          note: { type: 'string', nullable: true },
          nextRuns: { type: 'array', items: { type: 'string', format: 'date-time' } },
          recentRuns: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                scheduledAt: { type: 'string', format: 'date-time' },
                startedAt: { type: 'string', format: 'date-time' },
                workflowId: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
};

const common = {
  401: { description: 'missing, invalid or expired bearer token' },
  403: { description: 'the token lacks the admin scope (./platform token --project P --scope admin)' },
  503: { description: 'Temporal, which keeps the report schedules, does not answer' },
};
const id = [
  { name: 'id', in: 'path', required: true, description: 'the report id', schema: { type: 'string' } },
];
const notFound = { 404: { description: "no such report in the token's project" } };
const op = (summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  summary,
  tags: ['reports'],
  security: [{ bearer: [] }],
  ...extra,
  responses: { ...responses, ...common },
});
const body = { requestBody: { required: true, content: { 'application/json': { schema: definition } } } };
const invalid = { 400: { description: 'invalid definition: `problems` lists each mistake by field' } };

export const reportPaths = {
  '/v1/reports': {
    get: op("The project's scheduled reports", {
      200: { description: 'the reports', content: { 'application/json': { schema: { type: 'object' } } } },
    }),
    post: op('Schedule a report', { 201: state, ...invalid, 409: { description: 'the id is taken' } }, body),
  },
  '/v1/reports/{id}': {
    get: op('One report', { 200: state, ...notFound }, { parameters: id }),
    put: op(
      'Change a report (its run history and pause state stay)',
      { 200: state, ...invalid, ...notFound },
      { parameters: id, ...body },
    ),
    delete: op(
      'Delete a report and its schedule',
      { 204: { description: 'deleted' }, ...notFound },
      { parameters: id },
    ),
  },
  '/v1/reports/{id}/runs': {
    get: op(
      "A report's recent runs (the last ten), newest first: status, the period sent and each recipient's delivery, or the failure",
      {
        200: { description: 'the runs', content: { 'application/json': { schema: { type: 'object' } } } },
        ...notFound,
      },
      { parameters: id },
    ),
  },
  '/v1/reports/{id}/preview': {
    get: op(
      'The email the report would send now, as HTML with its charts inline, without sending it',
      { 200: { description: 'the email body', content: { 'text/html': {} } }, ...notFound },
      { parameters: id },
    ),
  },
  '/v1/reports/{id}/pause': { post: op('Pause a report', { 200: state, ...notFound }, { parameters: id }) },
  '/v1/reports/{id}/resume': {
    post: op('Resume a paused report', { 200: state, ...notFound }, { parameters: id }),
  },
  '/v1/reports/{id}/run': {
    post: op(
      'Send the report now, for the period before now (the Temporal UI Trigger button does the same)',
      { 202: { description: 'the schedule started a run' }, ...notFound },
      { parameters: id },
    ),
  },
};

import { z } from 'zod';
import { isoTimeField as iso } from '../../core/values/iso-time';
import { METRIC_CATALOG } from '../../core/metric-catalog/catalog';
import { askableMetricNames } from '../../core/metric-catalog/session-metrics';
import { INSIGHT_ID } from '../../core/insights/definition';
import { QUERY_ID } from '../sql/saved-query';
import { GRANULARITIES, INSIGHT_GRANULARITIES } from '../query/granularity';

/** Ranges a tile can follow as time passes, besides a fixed from..to. */
export const RANGE_PRESETS = ['last_hour', 'last_24h', 'last_7d', 'last_30d', 'today', 'yesterday'] as const;
export const CHARTS = ['line', 'bar', 'number', 'table'] as const;

/**
 * A tile: a saved query of the metric explorer (a catalog metric), a saved insight (a metric
 * defined without code, GET /v1/insights) or a saved SQL query (GET /v1/queries), and how it is drawn.
 */
export const TileSchema = z
  .object({
    id: z.uuid({ error: 'tile id must be a UUID (omit it to have one assigned)' }).optional(),
    title: z
      .string()
      .trim()
      .min(1, 'tile title is empty')
      .max(200, 'tile title is longer than 200 characters'),
    metric: z
      .enum(askableMetricNames(METRIC_CATALOG) as [string, ...string[]], {
        error: 'tile metric must be a catalog metric (GET /v1/metrics lists them)',
      })
      .optional(),
    insight: z.string().regex(INSIGHT_ID, 'tile insight must be the id of a saved insight').optional(),
    query: z.string().regex(QUERY_ID, 'tile query must be the id of a saved SQL query').optional(),
    range: z.union(
      [
        z.object({ preset: z.enum(RANGE_PRESETS) }).strict(),
        z.object({ from: iso('range.from'), to: iso('range.to') }).strict(),
      ],
      {
        error: `tile range must be {"preset": one of ${RANGE_PRESETS.join(', ')}} or {"from": ISO, "to": ISO}`,
      },
    ),
    granularity: z
      .enum(INSIGHT_GRANULARITIES, {
        error: `granularity must be one of ${INSIGHT_GRANULARITIES.join(', ')} (week and month: insight tiles)`,
      })
      .default('hour'),
    groupBy: z.string().max(200).optional(),
    filter: z.string().max(2000).optional(),
    chart: z.enum(CHARTS, { error: `chart must be one of ${CHARTS.join(', ')}` }).default('line'),
  })
  .superRefine((t, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
    if ([t.metric, t.insight, t.query].filter((x) => x !== undefined).length !== 1)
      problem(
        'a tile shows a catalog metric (metric), a saved insight (insight) or a saved SQL query (query), one of them',
      );
    if (t.metric !== undefined && !(GRANULARITIES as readonly string[]).includes(t.granularity))
      problem(`a metric tile's granularity is one of ${GRANULARITIES.join(', ')}`);
    if (t.insight !== undefined && (t.groupBy !== undefined || t.filter !== undefined))
      problem("an insight tile's split and filters are the insight's own: change the insight");
    if (t.query !== undefined && (t.groupBy !== undefined || t.filter !== undefined))
      problem("a query tile's split and filters are the statement's own: change the saved query");
  });
export type Tile = z.output<typeof TileSchema>;

const name = z
  .string({ error: 'name is required' })
  .trim()
  .min(1, 'name is empty')
  .max(200, 'name is longer than 200 characters');
const tiles = z.array(TileSchema).max(50, 'a dashboard holds at most 50 tiles');

/** POST /v1/dashboards. Tiles are in display order. */
export const NewDashboardSchema = z.object({ name, tiles: tiles.default([]) }).strict();

/**
 * PATCH /v1/dashboards/:id: rename, or replace the tiles (add, remove, reorder: the array is the
 * new order). `version` (from GET) makes the change conditional: a stale one is a 409.
 */
export const DashboardPatchSchema = z
  .object({ name: name.optional(), tiles: tiles.optional(), version: z.number().int().positive().optional() })
  .strict()
  .refine((p) => p.name !== undefined || p.tiles !== undefined, 'nothing to change: give name and/or tiles');

export interface Dashboard {
  id: string;
  projectId: string;
  name: string;
  tiles: (Tile & { id: string })[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Problems of a body against a schema, all at once, as one message. */
export function problemsOf(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isTimeZone } from '../auth/user-settings';
import { METRIC_CATALOG } from '../metric-catalog/catalog';
import { askableMetricNames } from '../metric-catalog/session-metrics';
import { INSIGHT_ID } from '../insights/definition';

import { REPORT_PERIODS } from './periods';

export { REPORT_PERIODS, type ReportPeriod } from './periods';

const CATALOG = new Set(askableMetricNames(METRIC_CATALOG));

// One address per recipient, no display names: what stakeholders' mail servers accept as RCPT TO.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const REPORT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * A scheduled report as stakeholders define it: the one schema of the contract. The API parses
 * bodies with it and its OpenAPI document is generated from it (reports.openapi.ts). The Temporal
 * Schedule `report-<project>.<id>` holds the definition (in its action's input): that schedule is the
 * source of truth, there is no other copy.
 */
export const ReportDefinitionSchema = z.strictObject({
  id: z
    .string()
    .regex(REPORT_ID, 'lowercase letters, digits and dashes, at most 63, starting with a letter or digit')
    .optional()
    .meta({
      description: 'optional; made from the name when omitted. The schedule is `report-<project>.<id>`',
    }),
  name: z
    .string()
    .trim()
    .min(1, 'give the report a name')
    .max(200)
    .meta({ description: 'the email subject starts with it' }),
  /** Catalog metric names, in the order the email shows them. */
  metrics: z
    .array(z.string().meta({ enum: askableMetricNames(METRIC_CATALOG) }))
    .min(1, 'name at least one metric')
    .max(20, 'at most 20 metrics per report')
    .refine((ms) => new Set(ms).size === ms.length, 'a metric is listed twice'),
  /** Saved insights (metrics defined without code, GET /v1/insights), after the metrics. */
  insights: z
    .array(z.string().regex(INSIGHT_ID, 'an insight id: lowercase letters, digits, - and _'))
    .max(20, 'at most 20 insights per report')
    .refine((xs) => new Set(xs).size === xs.length, 'an insight is listed twice')
    .optional()
    .meta({ description: 'ids of saved insights (GET /v1/insights), shown after the metrics' }),
  period: z.enum(REPORT_PERIODS, { error: `period must be one of ${REPORT_PERIODS.join(', ')}` }).meta({
    description:
      'each run covers the previous whole local day, ISO week (Monday to Sunday) or calendar month',
  }),
  timeZone: z
    .string()
    .refine(isTimeZone, 'not an IANA time zone (such as UTC or Europe/Paris)')
    .default('UTC')
    .meta({ description: 'IANA time zone of the periods and the send time' }),
  sendAt: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'send time must be HH:MM, 24 h (such as 08:00)')
    .default('08:00')
    .meta({ description: 'local send time, HH:MM (24 h)' }),
  quality: z.boolean().default(false).meta({
    description:
      "adds a data-quality section: the period's events per event name with duplicate rate, late share and clients' clock skew, volume anomalies, quarantine rate",
  }),
  recipients: z
    .array(z.string().trim().max(254).regex(EMAIL, 'not an email address').meta({ format: 'email' }))
    .min(1, 'name at least one recipient')
    .max(50, 'at most 50 recipients per report')
    .refine(
      (rs) => new Set(rs.map((r) => r.toLowerCase())).size === rs.length,
      'a recipient is listed twice',
    ),
});

/** A checked definition, with its id and the project (from the caller's token) filled in. */
export type ReportDefinition = Omit<z.output<typeof ReportDefinitionSchema>, 'id' | 'quality'> & {
  id: string;
  project: string;
  /** Absent in schedules made before the data-quality section existed. */
  quality?: boolean;
};

/**
 * Checks a report definition as a caller sent it. Returns the definition (defaults filled in) or
 * every problem, each naming its field, so a caller can fix them all at once.
 */
export function parseReportDefinition(
  body: unknown,
  project: string,
  newId: () => string,
): { ok: true; report: ReportDefinition } | { ok: false; problems: string[] } {
  const parsed = ReportDefinitionSchema.safeParse(body);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`);
  // Checked on the raw input too, so a body with other mistakes still hears about these.
  const metrics = (body as { metrics?: unknown } | null)?.metrics;
  for (const name of Array.isArray(metrics) ? metrics : []) {
    if (typeof name === 'string' && !CATALOG.has(name)) {
      problems.push(`metrics: unknown metric '${name}' (GET /v1/metrics lists the catalog)`);
    }
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const { id, ...rest } = parsed.data;
  return { ok: true, report: { id: id ?? newId(), project, ...rest } };
}

/** A readable id: the name's words and a random suffix (`weekly-kpis-3f9a2c`). */
export function newReportId(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `${slug === '' ? 'report' : slug}-${randomBytes(3).toString('hex')}`;
}

/**
 * Session metrics: figures of sessions (core/events/sessions.ts), listed and asked like the
 * catalog's metrics (GET /v1/metrics/<name>, dashboard tiles, reports). No view stores them: a
 * session is a person's, and who is whom is known only when asked, so the serving layer cuts
 * sessions from each layer's events (serving-layer/query/session-query.ts).
 */

/** Which figure of a set of sessions a metric is. */
export type SessionFigure =
  'sessions' | 'bounceRate' | 'averageDurationSeconds' | 'medianDurationSeconds' | 'pagesPerSession';

export interface SessionMetricDefinition {
  name: string;
  description: string;
  figure: SessionFigure;
  /** How the value reads: a count of sessions, a share (0..1), seconds, or an average per session. */
  value: 'count' | 'rate' | 'seconds' | 'average';
  /** The metric's own dimension: the session's first or last page's path. */
  dimension?: 'entry_page' | 'exit_page';
}

const s = <N extends string>(d: SessionMetricDefinition & { name: N }) => d;

export const SESSION_METRICS = [
  s({
    name: 'sessions',
    description:
      "sessions: a person's activity with no gap longer than SESSION_TIMEOUT_MINUTES, each counted in the bucket where it starts",
    figure: 'sessions',
    value: 'count',
  }),
  s({
    name: 'bounce_rate',
    description: 'share of sessions of a single event',
    figure: 'bounceRate',
    value: 'rate',
  }),
  s({
    name: 'session_duration_avg',
    description: 'average session length, first to last event, in seconds',
    figure: 'averageDurationSeconds',
    value: 'seconds',
  }),
  s({
    name: 'session_duration_median',
    description: 'median session length, first to last event, in seconds',
    figure: 'medianDurationSeconds',
    value: 'seconds',
  }),
  s({
    name: 'pages_per_session',
    description: 'page and screen views per session',
    figure: 'pagesPerSession',
    value: 'average',
  }),
  s({
    name: 'entry_pages',
    description: 'sessions by the path of their first page view',
    figure: 'sessions',
    value: 'count',
    dimension: 'entry_page',
  }),
  s({
    name: 'exit_pages',
    description: 'sessions by the path of their last page view',
    figure: 'sessions',
    value: 'count',
    dimension: 'exit_page',
  }),
] as const;

export type SessionMetricName = (typeof SESSION_METRICS)[number]['name'];

export function sessionMetricByName(name: string): SessionMetricDefinition | undefined {
  return SESSION_METRICS.find((m) => m.name === name);
}

/** Every name GET /v1/metrics/<name> answers: the catalog's, then the session metrics'. */
export function askableMetricNames(catalog: readonly { name: string }[]): string[] {
  return [...catalog.map((m) => m.name), ...SESSION_METRICS.map((m) => m.name)];
}

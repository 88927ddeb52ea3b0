import type { ReportDefinition } from './definition';
import type { Span } from './periods';

/** One metric of a report run: the period's figure, the previous period's, and both as series. */
export interface MetricFigures {
  name: string;
  /** Amounts by currency are reported per currency (adding euros to dollars means nothing). */
  dimension?: { name: string; value: string };
  description: string;
  /** 'count' | 'sum' | 'unique' (unique counts are estimates within `standardError`). */
  /** How the value reads (GET /v1/metrics' `value`): a count, a sum, unique persons, or a session figure. */
  kind: 'count' | 'sum' | 'unique' | 'rate' | 'seconds' | 'average';
  value: number;
  previous: number;
  /** Relative change from the previous period; null when the previous period is zero. */
  change: number | null;
  standardError?: number;
  series: number[];
  previousSeries: number[];
}

/** Where the period's figures came from: the batch view up to the watermark, the speed view after. */
export interface FigureSource {
  source: 'batch' | 'speed' | 'late';
  from: string;
  to: string;
}

/** The optional data-quality section of a report (GET /v1/quality over the period). */
export interface ReportQuality {
  /** The largest event names of the period. */
  events: {
    event: string;
    events: number;
    duplicateRate: number;
    lateShare: number;
    /** Median clock skew of the clients that sent sentAt; null when none did. */
    skewSeconds: number | null;
  }[];
  /** Hours whose volume was outside the band of the same hour of earlier weeks (at most 10). */
  anomalies: { event: string; hour: string; count: number; direction: 'high' | 'low' }[];
  quarantine: { total: number; rate: number; topReason: string | null };
}

/** What one run computes, then renders and sends: plain JSON (it travels through Temporal history). */
export interface ReportFigures {
  reportId: string;
  name: string;
  project: string;
  timeZone: string;
  period: Span;
  previous: Span;
  /** Chart buckets: local hours (daily) or local days; series[i] is the value of buckets[i]. */
  buckets: Span[];
  previousBuckets: Span[];
  metrics: MetricFigures[];
  sources: FigureSource[];
  watermark: string | null;
  computedAt: string;
  /** Present when the report asks for it (`quality: true`). */
  quality?: ReportQuality;
}

export interface Delivery {
  recipient: string;
  messageId: string;
  /** 'already-sent': an earlier attempt or run delivered this period's email; not sent again. */
  status: 'sent' | 'already-sent';
  sentAt: string;
}

export interface ScheduledReportInput {
  report: ReportDefinition;
  /** Task queue of the report activities: the serving role polls it (it holds the merged views). */
  activityTaskQueue: string;
  /** The run's logical time (ISO); scheduled runs use their scheduled time. */
  at?: string;
}

export interface ScheduledReportResult {
  period: Span;
  deliveries: Delivery[];
}

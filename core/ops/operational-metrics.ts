import cluster from 'node:cluster';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's operational metrics (Prometheus text on the ops port, core/ops/ops-server.ts),
 * named by Prometheus's conventions: `_total` counters, `_seconds` histograms in base units,
 * labels of bounded cardinality (a project is a label only on per-project volumes: a deployment
 * has tens of projects, not millions). Each counter moves when its effect is durable (events the
 * broker holds, records whose transaction committed), so a scrape equals what happened.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const registers = [registry];

// `./platform run ingest --workers N`: each worker answers the primary's requests for its metrics,
// and the primary serves their sum on the ops port (clusterMetrics below).
if (cluster.isWorker) {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

let aggregator: AggregatorRegistry<typeof Registry.PROMETHEUS_CONTENT_TYPE> | undefined;

/** In a cluster's primary: every worker's metrics, counters and histograms summed. */
export function clusterMetrics(): Promise<string> {
  aggregator ??= new AggregatorRegistry();
  return aggregator.clusterMetrics();
}

export const ingestRequests = new Counter({
  name: 'ingest_requests_total',
  help: 'HTTP requests to the collector, by route and status code',
  labelNames: ['route', 'status'] as const,
  registers,
});

export const ingestRequestSeconds = new Histogram({
  name: 'ingest_request_duration_seconds',
  help: 'Collector request time, from arrival to the answer (includes the broker acknowledgement)',
  labelNames: ['route'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers,
});

export const ingestDropped = new Counter({
  name: 'ingest_events_dropped_total',
  help: 'Valid events not kept, by project and reason (erased_user: the sender was erased under GDPR)',
  labelNames: ['project', 'reason'] as const,
  registers,
});

export const ingestEvents = new Counter({
  name: 'ingest_events_total',
  help: 'Events the broker acknowledged, by project and outcome (accepted to events, quarantined)',
  labelNames: ['project', 'outcome'] as const,
  registers,
});

export const ingestQuarantined = new Counter({
  name: 'ingest_quarantined_events_total',
  help: 'Events sent to quarantine, by project and cause (encoding, event, schema, size)',
  labelNames: ['project', 'cause'] as const,
  registers,
});

export const eventOutcomes = new Counter({
  name: 'event_outcomes_total',
  help: 'What became of each event at each step (ingest, speed, archive): ok, quarantine, drop or dead_letter, with a bounded reason',
  labelNames: ['step', 'outcome', 'reason'] as const,
  registers,
});

export const consumerRecords = new Counter({
  name: 'consumer_records_total',
  help: 'Records whose range committed, by consumer group',
  labelNames: ['group'] as const,
  registers,
});

export const consumerDeadLetters = new Counter({
  name: 'consumer_dead_letters_total',
  help: 'Records sent to the dead-letter topic with a committed range, by consumer group',
  labelNames: ['group'] as const,
  registers,
});

export const consumerRanges = new Counter({
  name: 'consumer_ranges_total',
  help: 'Offset ranges written and committed, by consumer group',
  labelNames: ['group'] as const,
  registers,
});

export const consumerRangeRebuilds = new Counter({
  name: 'consumer_range_rebuilds_total',
  help: 'Ranges interrupted by a crash and rebuilt from exactly their records, by consumer group',
  labelNames: ['group'] as const,
  registers,
});

export const ingestProduceAck = new Histogram({
  name: 'ingest_produce_ack_seconds',
  help: "From handing a request's records to the producer to the broker acknowledging the last of them (acks=all)",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers,
});

export const ingestProducerRenewals = new Counter({
  name: 'ingest_producer_renewals_total',
  help: 'Producers replaced after a fatal producer error (a new producer id starts new sequences)',
  registers,
});

export const speedFreshness = new Histogram({
  name: 'speed_freshness_seconds',
  help: "Seconds from the collector's acknowledgement (receivedAt) to the event being queryable in the speed view (its range committed)",
  buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300],
  registers,
});

export const activityDuration = new Histogram({
  name: 'workflow_activity_duration_seconds',
  help: 'Temporal activity executions on this process, by activity type and outcome (completed, failed: retried or given up by its workflow)',
  labelNames: ['activity', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
  registers,
});

export const apiRequests = new Counter({
  name: 'api_requests_total',
  help: 'Serving API requests, by route pattern and status code',
  labelNames: ['route', 'status'] as const,
  registers,
});

export const apiRequestSeconds = new Histogram({
  name: 'api_request_duration_seconds',
  help: 'Serving API request time, by route pattern',
  labelNames: ['route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});

export const reportEmails = new Counter({
  name: 'report_emails_total',
  help: 'Scheduled report emails, by outcome (sent; refused: the recipient rejected; failed: the mail server did not answer, retried)',
  labelNames: ['outcome'] as const,
  registers,
});

export const apiCacheLookups = new Counter({
  name: 'api_cache_lookups_total',
  help: "Lookups of the serving layer's answer caches, by result (hit, miss)",
  labelNames: ['result'] as const,
  registers,
});

export const lakeEventReads = new Counter({
  name: 'lake_event_reads_total',
  help: "Reads of the lake's events for persons and sessions, by the engine that read them (bigquery: its loads hold every hour asked; duckdb: the lake's files)",
  labelNames: ['engine'] as const,
  registers,
});

/** Sets one sample of a gauge read at scrape time. */
export type Sample<L extends string> = (labels: Record<L, string>, value: number) => void;
type Source<L extends string> = (set: Sample<L>) => Promise<void>;

/**
 * A gauge whose samples are read when Prometheus scrapes (from the broker, the lake), by sources
 * the roles of this process register; none registered, no samples.
 */
function scrapedGauge<L extends string>(name: string, help: string, labelNames: readonly L[]) {
  const sources = new Set<Source<L>>();
  new Gauge({
    name,
    help,
    labelNames,
    registers,
    async collect() {
      this.reset();
      for (const source of sources) await source((labels, value) => this.set(labels, value));
    },
  });
  return (source: Source<L>) => {
    sources.add(source);
    return () => sources.delete(source);
  };
}

/** Consumer lag per partition; sources: core/ops/consumer-lag.ts. */
export const onConsumerLagScrape = scrapedGauge(
  'consumer_lag_records',
  "Records between a consumer group's committed offset and the partition's end, per partition",
  ['group', 'topic', 'partition'] as const,
);

/** How far the batch watermark is behind now; source: the roles that read the lake. */
export const onWatermarkScrape = scrapedGauge(
  'batch_watermark_lag_seconds',
  'Seconds between now and the end of the last sealed hour (the batch watermark), per lake',
  // A label even with one lake: an unlabelled gauge would read 0 before any hour is sealed.
  ['lake'] as const,
);

/** Sealed hours waiting for late-data repair; source: the serving processes (late markers in the lake). */
export const onRepairBacklogScrape = scrapedGauge(
  'batch_repair_backlog_hours',
  'Sealed (project, hour) pairs holding late events their batch view does not have yet (lateDataRepair absorbs them)',
  ['lake'] as const,
);

/**
 * Data quality of the last complete hour, per project and event name (the largest events of each
 * project only: the label stays bounded); source: the serving processes (serving-layer/quality/).
 */
export const onQualityEventsScrape = scrapedGauge(
  'data_quality_events',
  'Distinct events of the last complete hour, per project and event name',
  ['project', 'event'] as const,
);
export const onQualityDuplicatesScrape = scrapedGauge(
  'data_quality_duplicate_ratio',
  'Stored copies beyond the first of an event id (client retries) per distinct event, last complete hour',
  ['project', 'event'] as const,
);
export const onQualityLateScrape = scrapedGauge(
  'data_quality_late_ratio',
  "Share of the last complete hour's events received after the hour ended",
  ['project', 'event'] as const,
);
export const onQualityAnomalyScrape = scrapedGauge(
  'data_quality_volume_anomaly',
  'Last complete hour against the same hour of earlier weeks: 1 above the band, -1 below it, 0 within',
  ['project', 'event'] as const,
);
export const onQualitySkewScrape = scrapedGauge(
  'data_quality_clock_skew_seconds',
  "Clients' clock skew (sentAt minus receivedAt) over the last complete hour, by quantile",
  ['project', 'event', 'quantile'] as const,
);
export const onQualityQuarantineScrape = scrapedGauge(
  'data_quality_quarantine_ratio',
  'Quarantined records / (quarantined + distinct events) over the last complete hour, per project',
  ['project'] as const,
);

/** Counters of the batch layer, in the worker processes. */
export const batchHoursSealed = new Counter({
  name: 'batch_hours_sealed_total',
  help: 'Hours the batch watermark moved past (sealed)',
  registers,
});

export const batchHoursRecomputed = new Counter({
  name: 'batch_hours_recomputed_total',
  help: 'Hours whose view was recomputed and published, by engine (kept views not counted)',
  labelNames: ['engine'] as const,
  registers,
});

/** Every metric name this code exports (alert rules and dashboards may use only these). */
export async function exportedNames(): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
}

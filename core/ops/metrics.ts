import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

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

/** Every metric name this code exports (alert rules and dashboards may use only these). */
export async function exportedNames(): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
}

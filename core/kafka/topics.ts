/** Kafka topic names, a contract with operators (docs/architecture.md, Contracts). Overridable for isolated tests. */
export const DEFAULT_TOPICS = {
  events: 'events',
  quarantine: 'events.quarantine',
  derived: 'events.derived',
  deadletter: 'events.deadletter',
} as const;

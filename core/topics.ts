/** Kafka topic names, a contract with operators (DESIGN.md §5). Overridable for isolated tests. */
export const DEFAULT_TOPICS = {
  events: 'events',
  quarantine: 'events.quarantine',
  derived: 'events.derived',
  deadletter: 'events.deadletter',
} as const;

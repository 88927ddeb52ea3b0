-- Minute aggregates by event time, in mergeable form: counts add.
CREATE TABLE IF NOT EXISTS {db:Identifier}.metrics_minute
(
    project_id LowCardinality(String),
    minute     DateTime('UTC'),
    event      LowCardinality(String),
    events     UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toDate(minute)
ORDER BY (project_id, minute, event)
SETTINGS non_replicated_deduplication_window = 10000

-- Events older than the speed horizon: not in the speed view (the batch layer owns them; they
-- are in the lake), counted here per event hour so operators see how much arrives late.
CREATE TABLE IF NOT EXISTS {db:Identifier}.speed_late_events
(
    project_id LowCardinality(String),
    hour       DateTime('UTC'),
    events     UInt64
)
ENGINE = SummingMergeTree(events)
ORDER BY (project_id, hour)
SETTINGS non_replicated_deduplication_window = 10000

-- Minute aggregates by event time in portable, mergeable form: counts and sums add, across
-- inserts, across minutes and across the speed/batch boundary. One row per
-- (project, minute, metric, dimension value); the metric catalog says what each metric counts.
CREATE TABLE IF NOT EXISTS {db:Identifier}.speed_measures_minute
(
    project_id LowCardinality(String),
    minute     DateTime('UTC'),
    metric     LowCardinality(String),
    dim        String,
    count      UInt64,
    sum        Float64
)
ENGINE = SummingMergeTree((count, sum))
PARTITION BY toDate(minute)
ORDER BY (project_id, metric, minute, dim)
TTL minute + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000

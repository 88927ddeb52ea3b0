-- Recent raw events (the speed view's detail), kept for the speed horizon (48 h); the lake keeps
-- them forever. Inserts carry a deduplication token naming the Kafka offsets they hold, and the
-- table remembers recent tokens, so a batch replayed after a crash is dropped, not added twice.
CREATE TABLE IF NOT EXISTS {db:Identifier}.speed_events
(
    project_id      LowCardinality(String),
    event_id        String,
    type            LowCardinality(String),
    event           LowCardinality(String),
    user_id         Nullable(String),
    anonymous_id    Nullable(String),
    actor_id        String,
    event_time      DateTime64(3, 'UTC'),
    received_at     DateTime64(3, 'UTC'),
    properties      String CODEC(ZSTD(3)),
    context         String CODEC(ZSTD(3)),
    kafka_topic     LowCardinality(String),
    kafka_partition UInt32,
    kafka_offset    UInt64
)
ENGINE = MergeTree
PARTITION BY toStartOfHour(event_time)
ORDER BY (project_id, event_time, event_id)
TTL toDateTime(event_time) + INTERVAL 48 HOUR
SETTINGS non_replicated_deduplication_window = 10000

-- What each consumer group wrote last, per partition: the range and whether its inserts finished.
-- Written before the inserts ('before') and after them ('after'): after a crash, a 'before' range
-- is rebuilt exactly (same rows, same deduplication tokens) and an 'after' range is skipped.
CREATE TABLE IF NOT EXISTS {db:Identifier}.speed_offsets
(
    group_id     LowCardinality(String),
    topic        LowCardinality(String),
    partition    UInt32,
    first_offset UInt64,
    last_offset  UInt64,
    phase        Enum8('before' = 1, 'after' = 2),
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (group_id, topic, partition)

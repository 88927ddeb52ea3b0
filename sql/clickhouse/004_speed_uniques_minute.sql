-- Unique counts as HyperLogLog registers (p = 14, 16384 registers, ~0.8% standard error), from a
-- hash every engine computes the same way (the first 8 bytes of MD5(actor)), so speed and batch
-- sketches merge by taking the max rank per register. Only touched registers are stored.
CREATE TABLE IF NOT EXISTS {db:Identifier}.speed_uniques_minute
(
    project_id LowCardinality(String),
    minute     DateTime('UTC'),
    metric     LowCardinality(String),
    dim        String,
    reg        UInt16,
    rank       SimpleAggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (project_id, metric, minute, dim, reg)
TTL minute + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000

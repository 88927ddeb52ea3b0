-- The hour's events, each (project, messageId) once: the first copy in the log wins.
-- Bound: $glob (the hour's lake files), $from and $to (the hour). By name: files written before a
-- column was added (sent_at) lack it.
base AS (
  SELECT * FROM read_parquet($glob, union_by_name = true)
  WHERE event_time >= $from AND event_time < $to
  QUALIFY row_number() OVER (PARTITION BY project_id, event_id ORDER BY received_at, kafka_topic, kafka_partition, kafka_offset) = 1
)

-- Event counts for one hour of the lake, by project and event name.
-- Exact deduplication by (project, messageId): a client's retried send is counted once.
-- $glob: the hour's files; $from/$to: the hour's bounds (event time, UTC).
SELECT project_id, event, count(*)::BIGINT AS events
FROM (
    SELECT DISTINCT ON (project_id, event_id) project_id, event_id, event
    FROM read_parquet($glob)
    WHERE event_time >= $from AND event_time < $to
)
GROUP BY ALL
ORDER BY ALL

-- The hour's events, each (project, messageId) once: the first copy in the log wins.
-- Slot: events (the raw events table, a validated identifier). Bound: the hour's start and end
-- (parameters named from and to; not written here with their sign: the emulator counts those in
-- comments too).
base AS (
  SELECT * EXCEPT (copy) FROM (
    SELECT *, ROW_NUMBER() OVER (
      PARTITION BY project_id, event_id ORDER BY received_at, kafka_topic, kafka_partition, kafka_offset) AS copy
    FROM {{events}}
    WHERE event_time >= @from AND event_time < @to
  ) WHERE copy = 1
)

-- HyperLogLog registers of every unique-count catalog metric (template filled by
-- speed-layer/catalog-views.ts, read as catalog_measures.sql's): h = the first 8 bytes of
-- MD5(actor_id) as a big-endian integer, its register and rank as every engine computes them
-- (core/clickhouse/hll-rank.ts).
SELECT project_id,
       toStartOfMinute(event_time) AS minute,
       tupleElement(u, 1) AS metric,
       tupleElement(u, 2) AS dim,
       toUInt16({{reg}}) AS reg,
       max(toUInt8({{rank}})) AS rank
FROM (
  SELECT project_id, event_time, u, h,
         {{smear}}
  FROM (
    SELECT project_id, event_time, u, reinterpretAsUInt64(reverse(substring(MD5(actor_id), 1, 8))) AS h
    FROM (
      SELECT project_id, event_time, event, actor_id
      {{typed}}
      FROM (
        SELECT project_id, event_time, event, actor_id, properties
        {{raws}}
        FROM {{source}}
        {{where}}
      )
    )
    ARRAY JOIN (
{{fan}}
    ) AS u
  )
)
GROUP BY project_id, minute, metric, dim, reg

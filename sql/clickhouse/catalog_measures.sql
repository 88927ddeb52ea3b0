-- Minute counts and sums of every additive catalog metric (template: speed-layer/catalog-views.ts
-- fills the slots from the catalog's constants). The innermost query reads each property a row
-- needs once, as raw JSON text; the middle one types it; the outer one fans each row out to its
-- contributions (metric, dim, sum) through ARRAY JOIN, as speed-layer/aggregate.ts defines them.
-- As a materialized view's query it reads only the block being inserted.
SELECT project_id,
       toStartOfMinute(event_time) AS minute,
       tupleElement(c, 1) AS metric,
       tupleElement(c, 2) AS dim,
       toUInt64(count()) AS count,
       sum(tupleElement(c, 3)) AS sum
FROM (
  SELECT project_id, event_time, event
  {{typed}}
  FROM (
    SELECT project_id, event_time, event, properties
    {{raws}}
    FROM {{source}}
    {{where}}
  )
)
ARRAY JOIN (
{{fan}}
) AS c
GROUP BY project_id, minute, metric, dim

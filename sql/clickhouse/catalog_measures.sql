-- Minute counts and sums of every additive catalog metric (template: speed-layer/catalog-views.ts
-- fills the slots from the catalog's constants). One SELECT over the raw rows: each row yields
-- its contributions (metric, dim, sum) through ARRAY JOIN, as speed-layer/aggregate.ts defines
-- them. As a materialized view's query it reads only the block being inserted.
SELECT project_id,
       toStartOfMinute(event_time) AS minute,
       tupleElement(c, 1) AS metric,
       tupleElement(c, 2) AS dim,
       toUInt64(count()) AS count,
       sum(tupleElement(c, 3)) AS sum
FROM {{source}}
ARRAY JOIN arrayConcat(
{{contributions}}
) AS c
{{where}}
GROUP BY project_id, minute, metric, dim

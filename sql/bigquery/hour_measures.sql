-- Every count/sum metric of the catalog for one hour. Slots: base (hour_base.sql), measures (one
-- SELECT per metric, compiled from the catalog: constants only, joined by UNION ALL).
WITH {{base}}
{{measures}}
ORDER BY project_id, metric, minute, dim

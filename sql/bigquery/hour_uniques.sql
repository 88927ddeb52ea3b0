-- HyperLogLog registers of the catalog's unique-count metrics for one hour. Slots: base
-- (hour_base.sql), actors (compiled from the catalog), registers (hll_registers.sql over actors).
WITH {{base}},
  actors AS ({{actors}})
SELECT project_id, minute, metric, dim, reg, MAX(rank) AS rank FROM ({{registers}})
GROUP BY project_id, minute, metric, dim, reg
ORDER BY project_id, metric, minute, dim, reg

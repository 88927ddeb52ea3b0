-- HyperLogLog registers of the catalog's unique-count metrics for one hour. Slots: base
-- (hour_base.sql), actors (the catalog's unique-count metrics, compiled: constants only),
-- registers (hll_registers.sql over actors).
WITH {{base}},
  actors AS ({{actors}})
  SELECT project_id, minute, metric, dim, reg, max(rank)::UTINYINT AS rank FROM ({{registers}})
  GROUP BY ALL ORDER BY project_id, metric, minute, dim, reg

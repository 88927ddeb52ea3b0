-- The columns of a view's measures, for an hour (or day) without events.
(project_id VARCHAR, minute TIMESTAMP, metric VARCHAR, dim VARCHAR, count UBIGINT, sum DOUBLE)

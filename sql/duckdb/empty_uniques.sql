-- The columns of a view's registers, for an hour (or day) without events.
(project_id VARCHAR, minute TIMESTAMP, metric VARCHAR, dim VARCHAR, reg USMALLINT, rank UTINYINT)

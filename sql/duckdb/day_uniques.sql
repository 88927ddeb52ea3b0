-- A day's HLL registers from its published hours ($files): registers merge by max.
SELECT project_id, date_trunc('day', minute) AS day, metric, dim, reg, max(rank)::UTINYINT AS rank
FROM read_parquet($files) GROUP BY ALL ORDER BY ALL

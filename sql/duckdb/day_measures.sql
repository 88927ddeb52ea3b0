-- A day's counts and sums from its published hours ($files): they add.
SELECT project_id, date_trunc('day', minute) AS day, metric, dim, sum(count)::UBIGINT AS count, sum(sum) AS sum
FROM read_parquet($files) GROUP BY ALL ORDER BY ALL

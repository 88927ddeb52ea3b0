-- HyperLogLog registers (core/sketches/hll.ts) in BigQuery SQL, with integer arithmetic only:
-- h = the first 8 bytes of MD5(actor_id); register = its top 14 bits; rank = leading zeros of the
-- other 50 bits + 1 (51 when they are all zero). INT64 is signed, so h is taken as two 32-bit
-- halves; the bit length of the 50-bit rest is BIT_COUNT after smearing its highest bit right.
-- Slot: actors (a query with an actor_id column; its other columns are kept).
WITH halves AS (
  SELECT *,
    CAST(CONCAT('0x', SUBSTR(TO_HEX(MD5(actor_id)), 1, 8)) AS INT64) AS hi,
    CAST(CONCAT('0x', SUBSTR(TO_HEX(MD5(actor_id)), 9, 8)) AS INT64) AS lo
  FROM ({{actors}})
),
split AS (
  SELECT *, hi >> 18 AS reg, ((hi & 262143) * 4294967296) + lo AS rest FROM halves
),
s1 AS (SELECT *, rest | (rest >> 1) AS x FROM split),
s2 AS (SELECT * REPLACE (x | (x >> 2) AS x) FROM s1),
s3 AS (SELECT * REPLACE (x | (x >> 4) AS x) FROM s2),
s4 AS (SELECT * REPLACE (x | (x >> 8) AS x) FROM s3),
s5 AS (SELECT * REPLACE (x | (x >> 16) AS x) FROM s4),
s6 AS (SELECT * REPLACE (x | (x >> 32) AS x) FROM s5)
SELECT * EXCEPT (hi, lo, rest, x), 51 - BIT_COUNT(x) AS rank FROM s6

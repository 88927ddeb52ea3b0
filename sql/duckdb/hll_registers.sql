-- HyperLogLog registers (core/sketches/hll.ts): h = first 8 bytes of MD5(actor_id), register = top
-- 14 bits, rank = leading zeros of the other 50 bits + 1. floor(log2()) is corrected to exact.
-- Slot: actors (a query with an actor_id column; its other columns are kept).
WITH hashed AS (SELECT *, ('0x' || substr(md5(actor_id), 1, 16))::UBIGINT AS h FROM ({{actors}})),
  split AS (SELECT *, (h >> 50)::USMALLINT AS reg, h & 1125899906842623::UBIGINT AS rest FROM hashed)
SELECT * EXCLUDE (h, rest), CASE WHEN rest = 0 THEN 51 ELSE 50 - (
    floor(log2(rest::DOUBLE))::INT
    + CASE WHEN (1::UBIGINT << (floor(log2(rest::DOUBLE))::INT + 1)) <= rest THEN 1 ELSE 0 END
    - CASE WHEN (1::UBIGINT << floor(log2(rest::DOUBLE))::INT) > rest THEN 1 ELSE 0 END
  ) END AS rank FROM split

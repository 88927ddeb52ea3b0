-- HyperLogLog registers of every unique-count catalog metric (template filled by
-- speed-layer/catalog-views.ts, read as catalog_measures.sql's): h = the first 8 bytes of
-- MD5(actor_id) as a big-endian integer, register = its top 14 bits, rank = leading zeros of the
-- remaining 50 bits plus one, the definition every engine shares (core/sketches/hll.ts).
SELECT project_id,
       toStartOfMinute(event_time) AS minute,
       tupleElement(u, 1) AS metric,
       tupleElement(u, 2) AS dim,
       toUInt16(bitShiftRight(h, 50)) AS reg,
       max(toUInt8(51 - bitCount(x32))) AS rank
FROM (
  SELECT project_id, event_time, u, h,
         bitAnd(h, 1125899906842623) AS rest,
         bitOr(rest, bitShiftRight(rest, 1)) AS x1,
         bitOr(x1, bitShiftRight(x1, 2)) AS x2,
         bitOr(x2, bitShiftRight(x2, 4)) AS x4,
         bitOr(x4, bitShiftRight(x4, 8)) AS x8,
         bitOr(x8, bitShiftRight(x8, 16)) AS x16,
         bitOr(x16, bitShiftRight(x16, 32)) AS x32
  FROM (
    SELECT project_id, event_time, u, reinterpretAsUInt64(reverse(substring(MD5(actor_id), 1, 8))) AS h
    FROM (
      SELECT project_id, event_time, event, actor_id
      {{typed}}
      FROM (
        SELECT project_id, event_time, event, actor_id, properties
        {{raws}}
        FROM {{source}}
        {{where}}
      )
    )
    ARRAY JOIN (
{{fan}}
    ) AS u
  )
)
GROUP BY project_id, minute, metric, dim, reg

-- A purchase's products (core/metric-catalog/catalog.ts lineItems): `products[]` when it is an array,
-- else the top-level product fields; price 0 and quantity 1 when absent or not numbers.
CREATE OR REPLACE TEMP MACRO line_items_of(props) AS TABLE
  SELECT product_id, category, price, quantity FROM (
    SELECT json_extract_string(p, '$.product_id') AS product_id,
           coalesce(CASE WHEN json_type(p, '$.category') = 'VARCHAR' THEN json_extract_string(p, '$.category') END, '') AS category,
           coalesce(CASE WHEN json_type(p, '$.price') IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN json_extract(p, '$.price')::DOUBLE END, 0) AS price,
           coalesce(CASE WHEN json_type(p, '$.quantity') IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN json_extract(p, '$.quantity')::DOUBLE END, 1) AS quantity
    FROM (
      SELECT unnest(json_extract(props, '$.products[*]')) AS p WHERE json_type(props, '$.products') = 'ARRAY'
      UNION ALL
      SELECT props AS p WHERE json_type(props, '$.products') IS DISTINCT FROM 'ARRAY'
    )
    WHERE json_type(p, '$.product_id') = 'VARCHAR'
  )

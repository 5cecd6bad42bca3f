-- The name of another township (or the district row) that already has a 区划代码.
SELECT name FROM township WHERE code = $code AND id <> $township_id

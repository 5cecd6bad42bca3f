-- A normalised name people write for an indicator (kept if already taken).
MERGE INTO indicator_alias AS a
USING (SELECT $alias AS alias, $code AS indicator_code) AS s ON a.alias = s.alias
WHEN NOT MATCHED THEN INSERT (alias, indicator_code) VALUES (s.alias, s.indicator_code)

-- A normalised name people write for a township (kept if already taken).
MERGE INTO township_alias AS a
USING (SELECT $alias AS alias, $township_id::INTEGER AS township_id, $kind AS kind) AS s ON a.alias = s.alias
WHEN NOT MATCHED THEN INSERT (alias, township_id, kind) VALUES (s.alias, s.township_id, s.kind)

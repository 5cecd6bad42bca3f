-- A normalised name of a township, with its kind ('alias', 'former', 'short'); a name the township has already
-- takes the new kind, a name of another township is left as it is.
MERGE INTO township_alias AS a
USING (SELECT $alias AS alias, $township_id::INTEGER AS township_id, $kind AS kind) AS s ON a.alias = s.alias
WHEN MATCHED AND a.township_id = s.township_id THEN UPDATE SET kind = s.kind
WHEN NOT MATCHED THEN INSERT (alias, township_id, kind) VALUES (s.alias, s.township_id, s.kind)

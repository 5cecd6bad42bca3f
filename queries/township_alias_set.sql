-- A normalised name of a township, with its kind ('alias', 'former', 'short'); a name the township has already
-- takes the new kind, a name of another township is left as it is.
INSERT INTO township_alias VALUES ($alias, $township_id, $kind)
ON CONFLICT (alias) DO UPDATE SET kind = excluded.kind WHERE township_alias.township_id = excluded.township_id

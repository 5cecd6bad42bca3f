-- A normalised name people write for a township (kept if already taken).
INSERT INTO township_alias VALUES ($alias, $township_id, $kind) ON CONFLICT DO NOTHING

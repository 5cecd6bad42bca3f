-- A normalised name people write for an indicator (kept if already taken).
INSERT INTO indicator_alias VALUES ($alias, $code) ON CONFLICT DO NOTHING

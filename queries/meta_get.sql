-- One setting of the database.
SELECT value FROM meta WHERE key = $key

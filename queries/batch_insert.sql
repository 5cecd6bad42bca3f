-- Open an upload batch; returns its id.
INSERT INTO batch (user_name, source, note) VALUES ($user_name, $source, $note) RETURNING id

-- Open an upload batch under the id from batch_next_id.
INSERT INTO batch (id, user_name, source, note) VALUES ($id, $user_name, $source, $note)

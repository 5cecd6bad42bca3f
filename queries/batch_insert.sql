-- Open an upload batch under the id from batch_next_id, with the number of values it records ($fact_count, NULL when
-- the caller sets it later with batch_set_fact_count).
INSERT INTO batch (id, user_name, source, note, fact_count) VALUES ($id, $user_name, $source, $note, $fact_count)

-- Mark a batch rolled back, noting who did it.
UPDATE batch SET status = 'rolled_back', note = concat_ws('；', note, $note) WHERE id = $batch_id

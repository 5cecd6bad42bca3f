-- A batch's status ('committed' or 'rolled_back'); no row when there is no such batch.
SELECT status FROM batch WHERE id = $batch_id

-- Repair, step 1: remove the fact rows whose batch does not exist (the remains of a save that never committed).
DELETE FROM fact WHERE NOT EXISTS (SELECT 1 FROM batch b WHERE b.id = fact.batch_id)

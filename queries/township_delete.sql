-- Remove a township row (nothing may refer to it any more).
DELETE FROM township WHERE id = $township_id

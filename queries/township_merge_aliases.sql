-- Merging township $merge into $keep (civdash/registry.py): its names move to $keep; its own name ($merge_name,
-- normalised) and its automatic short names become former names of $keep (only $keep's own short name is 'short').
UPDATE township_alias
SET township_id = $keep,
    kind = CASE WHEN alias = $merge_name OR kind = 'short' THEN 'former' ELSE kind END
WHERE township_id = $merge

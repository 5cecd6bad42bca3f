-- Remove a yearly target.
DELETE FROM target WHERE indicator_code = $indicator_code AND township_id = $township_id AND year = $year

-- One yearly target (年度目标), if set.
SELECT value, note FROM target WHERE indicator_code = $indicator_code AND township_id = $township_id AND year = $year

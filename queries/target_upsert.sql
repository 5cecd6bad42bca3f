-- Set a yearly target (年度目标) for the district or a township, replacing the one set before.
INSERT OR REPLACE INTO target VALUES ($indicator_code, $township_id, $year, $value, $note)

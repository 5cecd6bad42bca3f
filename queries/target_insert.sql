-- One yearly target (年度目标) for the district or a township.
INSERT INTO target VALUES ($indicator_code, $township_id, $year, $value, $note)

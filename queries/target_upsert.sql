-- Set a yearly target (年度目标) for the district or a township, replacing the one set before.
MERGE INTO target AS t
USING (SELECT $indicator_code AS indicator_code, $township_id::INTEGER AS township_id, $year::INTEGER AS year,
              $value::DOUBLE AS value, $note AS note) AS s
ON t.indicator_code = s.indicator_code AND t.township_id = s.township_id AND t.year = s.year
WHEN MATCHED THEN UPDATE SET value = s.value, note = s.note
WHEN NOT MATCHED THEN INSERT (indicator_code, township_id, year, value, note)
                      VALUES (s.indicator_code, s.township_id, s.year, s.value, s.note)

-- Set one setting of the database.
MERGE INTO meta AS m
USING (SELECT $key AS key, $value AS value) AS s ON m.key = s.key
WHEN MATCHED THEN UPDATE SET value = s.value
WHEN NOT MATCHED THEN INSERT (key, value) VALUES (s.key, s.value)

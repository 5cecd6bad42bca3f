-- Remember which indicator a header of a layout stands for (NULL: ignore the column), as a person confirmed it.
MERGE INTO header_mapping AS m
USING (SELECT $signature AS layout_signature, $header AS header, $code AS indicator_code, $user AS confirmed_by) AS s
ON m.layout_signature = s.layout_signature AND m.header = s.header
WHEN MATCHED THEN UPDATE SET indicator_code = s.indicator_code, confirmed_by = s.confirmed_by,
                             confirmed_at = now()::TIMESTAMP
WHEN NOT MATCHED THEN INSERT (layout_signature, header, indicator_code, confirmed_by)
                      VALUES (s.layout_signature, s.header, s.indicator_code, s.confirmed_by)

-- Remember which indicator a header of a layout stands for (NULL: ignore the column), as a person confirmed it.
INSERT INTO header_mapping (layout_signature, header, indicator_code, confirmed_by)
VALUES ($signature, $header, $code, $user)
ON CONFLICT (layout_signature, header) DO UPDATE
SET indicator_code = excluded.indicator_code, confirmed_by = excluded.confirmed_by, confirmed_at = now()::TIMESTAMP

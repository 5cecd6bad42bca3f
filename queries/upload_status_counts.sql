-- How many keys of an upload (registered as upload_facts) are new, changed and unchanged: the statuses of
-- upload_preview, counted without sorting or returning a row per key.
SELECT CASE WHEN f.value IS NULL THEN 'new'
            WHEN abs(f.value - u.value) <= 1e-9 * greatest(abs(f.value), abs(u.value), 1) THEN 'unchanged'
            ELSE 'changed' END AS status,
       count(*) AS n
FROM upload_facts u
LEFT JOIN fact f ON f.is_current AND f.indicator_code = u.indicator_code AND f.township_id = u.township_id
                AND f.period = u.period
GROUP BY status

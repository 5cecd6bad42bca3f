-- Each key of an upload (registered as upload_facts) with the value stored now and its status.
SELECT u.indicator_code, u.township_id, u.period, f.value AS old_value, u.value AS new_value,
       CASE WHEN f.value IS NULL THEN 'new'
            WHEN abs(f.value - u.value) <= 1e-9 * greatest(abs(f.value), abs(u.value), 1) THEN 'unchanged'
            ELSE 'changed' END AS status
FROM upload_facts u
LEFT JOIN fact f ON f.is_current AND f.indicator_code = u.indicator_code AND f.township_id = u.township_id
                AND f.period = u.period
ORDER BY u.indicator_code, u.township_id, u.period

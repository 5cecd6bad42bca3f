-- Every value of an upload (upload_facts) is recorded for its batch. New and changed values become
-- current; a value equal to the stored one is recorded as not current, so the stored row (and its
-- provenance) stays current while a rollback of either batch still leaves the other's value.
-- Run after upload_supersede. Parameters: $batch_id INTEGER.
INSERT INTO fact (indicator_code, township_id, period, value, batch_id, file_no, sheet, cell, is_current)
SELECT u.indicator_code, u.township_id, u.period, u.value, $batch_id, u.file_no, u.sheet, u.cell,
       NOT EXISTS (SELECT 1 FROM fact f
                   WHERE f.is_current AND f.indicator_code = u.indicator_code AND f.township_id = u.township_id
                     AND f.period = u.period) AS is_current
FROM upload_facts u
ORDER BY u.period, u.indicator_code, u.township_id

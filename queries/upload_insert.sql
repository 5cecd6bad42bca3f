-- Every value of an upload (upload_facts) is recorded for its batch, as current; run after upload_supersede,
-- and followed by upload_keep_unchanged when some values equal the stored ones. Rows are kept in month order,
-- so that reads of a month skip the rest. Parameters: $batch_id INTEGER.
INSERT INTO fact (indicator_code, township_id, period, value, batch_id, file_no, sheet, cell, is_current, from_ytd)
SELECT u.indicator_code, u.township_id, u.period, u.value, $batch_id, u.file_no, u.sheet, u.cell, true, u.from_ytd
FROM upload_facts u
ORDER BY u.period

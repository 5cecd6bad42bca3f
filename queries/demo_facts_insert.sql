-- The demo's generated values (registered as demo_facts), month by month as monthly uploads arrive:
-- DuckDB then skips whole row groups on period filters.
INSERT INTO fact (indicator_code, township_id, period, value, batch_id, file_no, sheet, cell, is_current)
SELECT indicator_code, township_id, period::DATE, value, $batch_id, 1, $sheet, NULL, true FROM demo_facts
ORDER BY period, indicator_code, township_id

-- Every upload, newest first, with its files, periods (first, last, how many months) and how many of its values are
-- current.
SELECT b.id, b.created_at, b.user_name, b.source, b.status, b.note,
       (SELECT string_agg(file_name, '、' ORDER BY file_no) FROM batch_file bf WHERE bf.batch_id = b.id) AS files,
       (SELECT min(period) FROM fact f WHERE f.batch_id = b.id) AS first_period,
       (SELECT max(period) FROM fact f WHERE f.batch_id = b.id) AS last_period,
       (SELECT count(DISTINCT period) FROM fact f WHERE f.batch_id = b.id) AS months,
       (SELECT count(*) FROM fact f WHERE f.batch_id = b.id) AS facts,
       (SELECT count(*) FROM fact f WHERE f.batch_id = b.id AND f.is_current) AS current_facts
FROM batch b
ORDER BY b.id DESC

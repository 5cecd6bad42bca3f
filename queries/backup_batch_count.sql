-- How many upload batches a database holds (rolled back ones included).
SELECT count(*) FROM batch

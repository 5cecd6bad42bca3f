-- Of the keys a rollback touched (registered as rolled_keys), how many show an earlier value again.
SELECT count(*) FROM fact f JOIN rolled_keys k USING (indicator_code, township_id, period) WHERE f.is_current

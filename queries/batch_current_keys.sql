-- The keys whose shown value comes from this batch: what rolling it back changes.
SELECT indicator_code, township_id, period FROM fact WHERE batch_id = $batch_id AND is_current

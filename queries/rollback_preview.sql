-- What rolling a batch back would do, as commit.rollback does it: each key whose shown value comes from this
-- batch shows the newest other committed batch's value again ('restored'), or none ('removed').
-- Parameters: $batch_id.
SELECT count(*) FILTER (WHERE earlier IS NOT NULL) AS restored, count(*) FILTER (WHERE earlier IS NULL) AS removed
FROM (
    SELECT (SELECT max(o.batch_id) FROM fact o JOIN batch ob ON ob.id = o.batch_id AND ob.status = 'committed'
            WHERE o.indicator_code = k.indicator_code AND o.township_id = k.township_id AND o.period = k.period
              AND o.batch_id <> $batch_id) AS earlier
    FROM fact k WHERE k.batch_id = $batch_id AND k.is_current
)

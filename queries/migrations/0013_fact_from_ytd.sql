-- Whether a stored monthly amount was worked out from a 1-N月 (year-to-date) total — that month's total minus the
-- month before's. When an earlier month is corrected later, such a month is worked out again from its own total
-- (the total it was reported with is the sum of the stored months up to it). NULL: stored before this was kept, or
-- not a flow; read as false.
ALTER TABLE fact ADD COLUMN IF NOT EXISTS from_ytd BOOLEAN;

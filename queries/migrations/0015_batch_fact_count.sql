-- How many values (fact rows) a batch recorded when it was saved, so that the integrity check (integrity_batch_counts)
-- can tell a batch that lost or gained rows after a crash. NULL: saved before this was kept; not checked.
ALTER TABLE batch ADD COLUMN IF NOT EXISTS fact_count BIGINT;

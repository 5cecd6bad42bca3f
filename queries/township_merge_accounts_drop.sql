-- Merging townships: an account holding both $keep and $merge keeps only $keep (see township_merge_accounts.sql).
DELETE FROM user_township
WHERE township_id = $merge AND user_id IN (SELECT user_id FROM user_township WHERE township_id = $keep)

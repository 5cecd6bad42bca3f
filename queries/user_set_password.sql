-- A new password; the count of failures and any lock are cleared. Parameters: $id, $password_hash.
UPDATE app_user SET password_hash = $password_hash, failed_logins = 0, locked_until = NULL,
       changed_at = current_timestamp
WHERE id = $id

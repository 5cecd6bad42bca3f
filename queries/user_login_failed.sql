-- A failed login: the count of failures in a row, and the lock once there are too many. Parameters: $id,
-- $failed_logins, $locked_until (NULL: not locked).
UPDATE app_user SET failed_logins = $failed_logins, locked_until = $locked_until WHERE id = $id

-- A successful login clears the failures. Parameters: $id.
UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $id

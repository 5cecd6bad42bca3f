-- The account a login names, with what the check needs. Parameters: $name.
SELECT id, name, role, password_hash, disabled, failed_logins, locked_until FROM app_user WHERE name = $name

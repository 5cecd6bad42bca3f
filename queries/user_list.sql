-- Every account (never the password hash), by name.
SELECT id, name, role, disabled, locked_until, created_at, changed_at FROM app_user ORDER BY name

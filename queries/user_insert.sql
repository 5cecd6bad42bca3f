-- A new account. Parameters: $name, $role, $password_hash (argon2id).
INSERT INTO app_user (name, role, password_hash) VALUES ($name, $role, $password_hash)

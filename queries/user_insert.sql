-- A new account. Parameters: $name, $role, $password_hash (argon2id). The id is the next number (account changes
-- also set the meta key accounts_changed, so two concurrent ones conflict and one runs again).
INSERT INTO app_user (id, name, role, password_hash)
VALUES ((SELECT coalesce(max(id), 0) + 1 FROM app_user), $name, $role, $password_hash)

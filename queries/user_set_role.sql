-- Parameters: $id, $role.
UPDATE app_user SET role = $role, changed_at = current_timestamp WHERE id = $id

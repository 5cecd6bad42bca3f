-- Parameters: $id, $sees_district.
UPDATE app_user SET sees_district = $sees_district, changed_at = current_timestamp WHERE id = $id

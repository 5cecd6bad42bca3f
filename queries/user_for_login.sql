-- The account a login names, with what the check needs and its townships. Parameters: $name.
SELECT u.id, u.name, u.role, u.password_hash, u.disabled, u.failed_logins, u.locked_until,
       coalesce(u.sees_district, false) AS sees_district,
       coalesce((SELECT list(ut.township_id ORDER BY t.sort_order, t.id)
                 FROM user_township ut JOIN township t ON t.id = ut.township_id
                 WHERE ut.user_id = u.id), []) AS townships
FROM app_user u WHERE u.name = $name

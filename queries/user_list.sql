-- Every account (never the password hash), by name, with its townships (a township account's; ids in registry order).
SELECT u.id, u.name, u.role, u.disabled, u.locked_until, u.created_at, u.changed_at,
       coalesce(u.sees_district, false) AS sees_district,
       coalesce((SELECT list(ut.township_id ORDER BY t.sort_order, t.id)
                 FROM user_township ut JOIN township t ON t.id = ut.township_id
                 WHERE ut.user_id = u.id), []) AS townships
FROM app_user u ORDER BY u.name

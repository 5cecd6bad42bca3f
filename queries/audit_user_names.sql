-- Everyone named in the audit log (the people who did something), by name.
SELECT DISTINCT user_name FROM audit_log WHERE user_name IS NOT NULL ORDER BY user_name

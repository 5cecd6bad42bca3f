-- The name under which a directly opened database file is attached.
SELECT current_database()

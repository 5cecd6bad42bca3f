-- Every normalised name of every township (and the district row), with its kind, for the registry page.
SELECT township_id, alias, kind FROM township_alias ORDER BY township_id, kind, alias

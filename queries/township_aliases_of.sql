-- The names a township is known by besides its own, with their kind.
SELECT a.alias, a.kind FROM township_alias a WHERE a.township_id = $township_id ORDER BY a.kind, a.alias

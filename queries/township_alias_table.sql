-- Every normalised name people write for a township (name, alias, former or short name) and its id.
SELECT alias, township_id FROM township_alias

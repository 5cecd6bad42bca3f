-- Every normalised name and alias of the catalog, with the indicator it stands for.
SELECT alias, indicator_code FROM indicator_alias ORDER BY alias

-- 资金总支出 (a 低保 table's whole, with 其中 parts beside it) is a name of the 低保资金支出 indicators; a new database
-- takes these from data/indicators.csv, an existing one gets them here (unless the name is taken already).
INSERT INTO indicator_alias (alias, indicator_code)
SELECT s.alias, s.code
FROM (VALUES ('城市低保资金总支出', 'dibao_urban_funds'), ('城市最低生活保障资金总支出', 'dibao_urban_funds'),
             ('农村低保资金总支出', 'dibao_rural_funds'), ('农村最低生活保障资金总支出', 'dibao_rural_funds')) AS s(alias, code)
WHERE s.code IN (SELECT code FROM indicator)
  AND s.alias NOT IN (SELECT alias FROM indicator_alias);

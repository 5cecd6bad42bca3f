-- 特困人员 › 资金 (or 金额, read as the same money) and 孤儿 › 资金 are names of their indicators; a new database takes
-- these from data/indicators.csv, an existing one gets them here (unless the name is taken already).
INSERT INTO indicator_alias (alias, indicator_code)
SELECT s.alias, s.code
FROM (VALUES ('特困人员资金', 'tekun_funds'), ('特困人员救助供养金额', 'tekun_funds'),
             ('孤儿和事实无人抚养儿童资金', 'orphan_funds'), ('孤儿资金', 'orphan_funds')) AS s(alias, code)
WHERE s.code IN (SELECT code FROM indicator)
  AND s.alias NOT IN (SELECT alias FROM indicator_alias);

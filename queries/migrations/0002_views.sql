-- Public data contract: exactly the current values, documented in docs/architecture.md.
CREATE OR REPLACE VIEW v_fact AS
SELECT f.indicator_code,
       i.name  AS indicator_name,
       i.unit,
       i.kind,
       t.name  AS township,
       t.code  AS township_code,
       f.period,
       f.value,
       f.batch_id
FROM fact f
JOIN indicator i ON i.code = f.indicator_code
JOIN township t ON t.id = f.township_id
WHERE f.is_current;

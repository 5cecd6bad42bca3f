-- The current rows an upload (upload_facts) changes stop being current; they stay as history.
UPDATE fact SET is_current = false
FROM upload_facts u
WHERE fact.is_current AND fact.indicator_code = u.indicator_code AND fact.township_id = u.township_id
  AND fact.period = u.period
  AND abs(fact.value - u.value) > 1e-9 * greatest(abs(fact.value), abs(u.value), 1)

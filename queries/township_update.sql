-- Change a township's name, 区划代码 and type (its id, facts and targets stay).
UPDATE township SET name = $name, code = $code, type = $type WHERE id = $township_id

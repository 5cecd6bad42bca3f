-- Forget one normalised name of a township.
DELETE FROM township_alias WHERE alias = $alias AND township_id = $township_id

-- Forget one normalised name of an indicator.
DELETE FROM indicator_alias WHERE alias = $alias AND indicator_code = $code

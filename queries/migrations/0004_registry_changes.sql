-- Every change made to the catalog, the township registry or the yearly targets on the 指标与乡镇 page:
-- who, when, what (an audit log can build on it).
CREATE SEQUENCE registry_change_id_seq START 1;
CREATE TABLE registry_change (
    id         INTEGER PRIMARY KEY DEFAULT nextval('registry_change_id_seq'),
    changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name  VARCHAR,
    object     VARCHAR NOT NULL,   -- 'indicator', 'township', 'target'
    object_key VARCHAR NOT NULL,   -- its code, name or (indicator, township, year)
    action     VARCHAR NOT NULL,   -- what was done, in Chinese, as shown on the page
    detail     VARCHAR             -- the values before and after
);

-- Changes to the catalog, the township registry and the yearly targets (the 指标与乡镇 page), each recorded.
--
-- 1. registry_change: who changed what, when, with the object before and after as JSON text (an audit log
--    can build on it).
-- 2. The alias and target tables are rebuilt without their FOREIGN KEY clauses. DuckDB checks a foreign key
--    against its index as of the transaction's start: an indicator or township that an alias or target
--    refers to could then neither be renamed (an update of a UNIQUE column is a delete and an insert) nor
--    removed in the same transaction as its aliases (merging two spellings of a township). DuckLake, the
--    planned shared store, has no foreign keys either. civdash/registry.py keeps the references whole: it is
--    the one place that renames, merges or removes, always in one transaction.

CREATE SEQUENCE registry_change_id_seq START 1;
CREATE TABLE registry_change (
    id          INTEGER PRIMARY KEY DEFAULT nextval('registry_change_id_seq'),
    changed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name   VARCHAR,                 -- as the person wrote it on the page; NULL when not given
    object_kind VARCHAR NOT NULL CHECK (object_kind IN ('indicator', 'township', 'target')),
    object_key  VARCHAR NOT NULL,        -- indicator code; township id; target 'indicator code/township id/year'
    action      VARCHAR NOT NULL CHECK (action IN ('add', 'edit', 'merge', 'delete')),
    before_json VARCHAR,                 -- the object before the change (JSON text); NULL when added
    after_json  VARCHAR                  -- the object after the change (JSON text); NULL when deleted
);

CREATE TABLE indicator_alias_rebuilt (
    alias          VARCHAR PRIMARY KEY,
    indicator_code VARCHAR NOT NULL      -- indicator (code)
);
INSERT INTO indicator_alias_rebuilt SELECT alias, indicator_code FROM indicator_alias;
DROP TABLE indicator_alias;
ALTER TABLE indicator_alias_rebuilt RENAME TO indicator_alias;

CREATE TABLE township_alias_rebuilt (
    alias       VARCHAR PRIMARY KEY,
    township_id INTEGER NOT NULL,        -- township (id)
    kind        VARCHAR NOT NULL DEFAULT 'alias' CHECK (kind IN ('alias', 'former', 'short'))
);
INSERT INTO township_alias_rebuilt SELECT alias, township_id, kind FROM township_alias;
DROP TABLE township_alias;
ALTER TABLE township_alias_rebuilt RENAME TO township_alias;

CREATE TABLE target_rebuilt (
    indicator_code VARCHAR NOT NULL,     -- indicator (code)
    township_id    INTEGER NOT NULL,     -- township (id): a township or the district row
    year           INTEGER NOT NULL,
    value          DOUBLE NOT NULL,      -- base unit
    note           VARCHAR,
    PRIMARY KEY (indicator_code, township_id, year)
);
INSERT INTO target_rebuilt SELECT indicator_code, township_id, year, value, note FROM target;
DROP TABLE target;
ALTER TABLE target_rebuilt RENAME TO target;

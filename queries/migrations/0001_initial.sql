-- Initial schema: catalog, township registry, targets, upload batches, versioned facts.
CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE indicator (
    code       VARCHAR PRIMARY KEY,          -- ASCII identifier
    name       VARCHAR NOT NULL UNIQUE,      -- Chinese name
    category   VARCHAR NOT NULL,
    unit       VARCHAR NOT NULL,             -- base unit: 元, 人, 户, 人次, 个, 张, 对, 件, 元/人·月
    kind       VARCHAR NOT NULL CHECK (kind IN ('stock', 'flow', 'level')),
    decimals   INTEGER NOT NULL DEFAULT 0,
    weight     VARCHAR,                      -- level only: indicator whose value weights the average
    note       VARCHAR,
    sort_order INTEGER NOT NULL
);

CREATE TABLE indicator_alias (
    alias          VARCHAR PRIMARY KEY,
    indicator_code VARCHAR NOT NULL REFERENCES indicator (code)
);

-- One row per township, plus one row of level 'district' for the district as a whole
-- (district-level forms and district targets attach to it; it is never added to township sums).
CREATE SEQUENCE township_id_seq START 1;
CREATE TABLE township (
    id         INTEGER PRIMARY KEY DEFAULT nextval('township_id_seq'),
    name       VARCHAR NOT NULL UNIQUE,
    code       VARCHAR UNIQUE,               -- 9-digit 区划代码 (6 digits for the district row)
    type       VARCHAR,                      -- 街道 / 镇 / 乡 / 区县
    level      VARCHAR NOT NULL DEFAULT 'township' CHECK (level IN ('township', 'district')),
    sort_order INTEGER NOT NULL
);

CREATE TABLE township_alias (
    alias       VARCHAR PRIMARY KEY,
    township_id INTEGER NOT NULL REFERENCES township (id),
    kind        VARCHAR NOT NULL DEFAULT 'alias' CHECK (kind IN ('alias', 'former', 'short'))
);

CREATE TABLE target (
    indicator_code VARCHAR NOT NULL REFERENCES indicator (code),
    township_id    INTEGER NOT NULL REFERENCES township (id),
    year           INTEGER NOT NULL,
    value          DOUBLE NOT NULL,
    note           VARCHAR,
    PRIMARY KEY (indicator_code, township_id, year)
);

CREATE SEQUENCE batch_id_seq START 1;
CREATE TABLE batch (
    id          INTEGER PRIMARY KEY DEFAULT nextval('batch_id_seq'),
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name   VARCHAR,
    source      VARCHAR NOT NULL,            -- 'demo', 'upload', 'cli'
    status      VARCHAR NOT NULL DEFAULT 'committed' CHECK (status IN ('committed', 'rolled_back')),
    note        VARCHAR
);

CREATE TABLE batch_file (
    batch_id  INTEGER NOT NULL REFERENCES batch (id),
    file_no   INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256    VARCHAR,
    size      BIGINT,
    PRIMARY KEY (batch_id, file_no)
);

-- Every value ever stored. Exactly one row per (indicator, township, period) has is_current.
CREATE TABLE fact (
    indicator_code VARCHAR NOT NULL,
    township_id    INTEGER NOT NULL,
    period         DATE NOT NULL,            -- first day of the month
    value          DOUBLE NOT NULL,          -- base unit; flows hold the month's amount
    batch_id       INTEGER NOT NULL,
    file_no        INTEGER,
    sheet          VARCHAR,
    cell           VARCHAR,
    is_current     BOOLEAN NOT NULL DEFAULT true
);

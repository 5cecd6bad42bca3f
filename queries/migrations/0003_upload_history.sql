-- Uploads keep the original file, and header mappings a person confirmed are remembered.
ALTER TABLE batch_file ADD COLUMN content BLOB;

CREATE TABLE header_mapping (
    layout_signature VARCHAR NOT NULL,   -- a hash of the layout's header texts
    header           VARCHAR NOT NULL,   -- the column's header texts, joined with ' › '
    indicator_code   VARCHAR,            -- NULL: the person chose to ignore the column
    confirmed_by     VARCHAR,
    confirmed_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (layout_signature, header)
);

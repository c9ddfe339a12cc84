-- Files handed in for a case's materials. Written in the same transaction as the
-- case; the content type is what the server found in the bytes, not the file name.
CREATE TABLE uploads (
    id           TEXT   NOT NULL PRIMARY KEY,
    case_id      TEXT   NOT NULL REFERENCES cases (id),
    material     TEXT   NOT NULL,
    file_name    TEXT   NOT NULL,
    content_type TEXT   NOT NULL,
    size         BIGINT NOT NULL CHECK (size > 0),
    sha256       TEXT   NOT NULL,
    data         BYTEA  NOT NULL,
    uploaded_at  BIGINT NOT NULL,
    uploaded_by  TEXT   NOT NULL
);

CREATE INDEX uploads_by_case ON uploads (case_id, uploaded_at);

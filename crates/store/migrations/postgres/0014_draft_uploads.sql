-- Files an applicant chose for an application that was refused for something else
-- (a field left empty, a commitment not accepted): kept with the draft, so that
-- correcting the form does not mean choosing every file again. One file per
-- material per applicant and one-thing; removed when the application is stored.
CREATE TABLE draft_uploads (
    owner        TEXT    NOT NULL,
    one_thing    TEXT    NOT NULL,
    material     TEXT    NOT NULL,
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    data         BYTEA    NOT NULL,
    saved_at     BIGINT NOT NULL,
    PRIMARY KEY (owner, one_thing, material)
);

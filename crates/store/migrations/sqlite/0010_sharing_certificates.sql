-- Shared data sources held in the embedded store (one row per source and subject),
-- the values fetched for a form with the applicant's consent (prefill), department
-- signing keys, issued e-certificates (电子证照) and their time-limited share links.
CREATE TABLE shared_records (
    source     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    attributes TEXT NOT NULL,
    PRIMARY KEY (source, subject)
) STRICT, WITHOUT ROWID;

CREATE TABLE prefills (
    id         TEXT    NOT NULL PRIMARY KEY,
    account_id TEXT    NOT NULL,
    one_thing  TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE issuer_keys (
    key_id     TEXT    NOT NULL PRIMARY KEY,
    department TEXT    NOT NULL,
    algorithm  TEXT    NOT NULL,
    public_key BLOB    NOT NULL,
    secret     BLOB    NOT NULL,
    valid_from TEXT    NOT NULL,
    retired_at TEXT,
    created_at INTEGER NOT NULL
) STRICT;

-- At most one key per department signs new certificates.
CREATE UNIQUE INDEX issuer_keys_active ON issuer_keys (department) WHERE retired_at IS NULL;

CREATE TABLE certificates (
    id               TEXT    NOT NULL PRIMARY KEY,
    type_code        TEXT    NOT NULL,
    number           TEXT    NOT NULL,
    holder_id_number TEXT    NOT NULL,
    case_id          TEXT,
    item             TEXT,
    issuer_code      TEXT    NOT NULL,
    issue_date       TEXT    NOT NULL,
    valid_until      TEXT,
    file             TEXT    NOT NULL,
    revoked_on       TEXT,
    revoke_reason    TEXT,
    issued_at        INTEGER NOT NULL
) STRICT;

CREATE INDEX certificates_by_holder ON certificates (holder_id_number, issued_at);
CREATE INDEX certificates_by_case ON certificates (case_id);

CREATE TABLE certificate_shares (
    token_hash     TEXT    NOT NULL PRIMARY KEY,
    certificate_id TEXT    NOT NULL REFERENCES certificates (id),
    expires_at     INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL
) STRICT;

-- The auditor role: reads the whole ledger, changes nothing. SQLite cannot alter a
-- CHECK constraint, so accounts (and sessions, which reference it) are rebuilt.
CREATE TABLE accounts_v6 (
    id            TEXT NOT NULL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('applicant', 'staff', 'admin', 'auditor')),
    department    TEXT,
    id_number     TEXT,
    password_hash TEXT NOT NULL
) STRICT;
INSERT INTO accounts_v6 (id, username, display_name, role, department, id_number, password_hash)
    SELECT id, username, display_name, role, department, id_number, password_hash FROM accounts;

CREATE TABLE sessions_v6 (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    account_id TEXT    NOT NULL REFERENCES accounts_v6 (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT;
INSERT INTO sessions_v6 (token_hash, account_id, expires_at) SELECT token_hash, account_id, expires_at FROM sessions;

DROP TABLE sessions;
DROP TABLE accounts;
ALTER TABLE accounts_v6 RENAME TO accounts;
ALTER TABLE sessions_v6 RENAME TO sessions;
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX accounts_by_id_number ON accounts (id_number);

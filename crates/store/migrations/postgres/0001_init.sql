-- 0001: the initial schema (PostgreSQL). Released: never edit, add a new migration.
-- Same shape as the SQLite schema: times are BIGINT milliseconds since the Unix
-- epoch (UTC); dates are TEXT 'YYYY-MM-DD'; the case document is TEXT JSON (not
-- JSONB) so that both backends share their statements.

CREATE TABLE accounts (
    id            TEXT NOT NULL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('applicant', 'staff', 'admin')),
    department    TEXT,
    id_number     TEXT,
    password_hash TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT   NOT NULL PRIMARY KEY,
    account_id TEXT   NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE cases (
    id             TEXT   NOT NULL PRIMARY KEY,
    applicant      TEXT   NOT NULL,
    one_thing      TEXT   NOT NULL,
    one_thing_name TEXT   NOT NULL,
    state          TEXT   NOT NULL,
    submitted_at   BIGINT NOT NULL,
    promised_date  TEXT   NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL CHECK (version >= 1),
    doc            TEXT   NOT NULL
);

CREATE INDEX cases_applicant ON cases (applicant, submitted_at);
CREATE INDEX cases_submitted_at ON cases (submitted_at);

CREATE TABLE tasks (
    case_id        TEXT NOT NULL REFERENCES cases (id),
    item           TEXT NOT NULL,
    department     TEXT NOT NULL,
    name           TEXT NOT NULL,
    state          TEXT NOT NULL,
    deadline       TEXT,
    dispatched_on  TEXT,
    one_thing_name TEXT NOT NULL,
    PRIMARY KEY (case_id, item)
);

CREATE INDEX tasks_queue ON tasks (department, state, deadline);

-- The case history. Append-only: the triggers below refuse changes.
CREATE TABLE case_events (
    case_id    TEXT   NOT NULL REFERENCES cases (id),
    seq        BIGINT NOT NULL CHECK (seq >= 1),
    at         BIGINT NOT NULL,
    actor      TEXT   NOT NULL,
    transition TEXT   NOT NULL,
    item       TEXT,
    department TEXT,
    from_state TEXT,
    to_state   TEXT,
    note       TEXT   NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The key is claimed before the case row is written, in the same transaction:
-- the reference is checked at commit.
CREATE TABLE idempotency_keys (
    account      TEXT   NOT NULL,
    key          TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    case_id      TEXT   NOT NULL REFERENCES cases (id) DEFERRABLE INITIALLY DEFERRED,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account, key)
);

-- Who saw which personal data, and why. Append-only like the history.
CREATE TABLE access_log (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT   NOT NULL,
    role       TEXT   NOT NULL,
    department TEXT,
    action     TEXT   NOT NULL,
    case_id    TEXT,
    elements   TEXT   NOT NULL,
    purpose    TEXT   NOT NULL
);

CREATE INDEX access_log_case ON access_log (case_id, at);

CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

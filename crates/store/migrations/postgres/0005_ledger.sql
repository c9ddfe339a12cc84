-- 0005: the tamper-evident ledger (PostgreSQL). Released: never edit, add a new migration.
--
-- Same shape as the SQLite schema. Every integer is BIGINT (read as i64). Every
-- writer locks the single ledger_head row (SELECT … FOR UPDATE) before appending,
-- so appends from several nodes are serialized and the indexes have no gaps.

CREATE TABLE ledger_entries (
    idx       BIGINT NOT NULL PRIMARY KEY CHECK (idx >= 0),
    entry     BYTEA  NOT NULL,
    leaf_hash TEXT   NOT NULL,
    subject   TEXT,
    kind      TEXT   NOT NULL
);

CREATE INDEX ledger_entries_subject ON ledger_entries (subject, idx);

-- Every perfect subtree completed by an append (about two rows per entry): enough
-- for roots and proofs of any size in O(log n) lookups.
CREATE TABLE ledger_nodes (
    level BIGINT NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx   BIGINT NOT NULL CHECK (idx >= 0),
    hash  TEXT   NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE ledger_head (
    id       BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    size     BIGINT NOT NULL CHECK (size >= 0),
    frontier TEXT   NOT NULL
);

INSERT INTO ledger_head (id, size, frontier) VALUES (1, 0, '');

-- Signed tree heads (C2SP tlog-checkpoint notes).
CREATE TABLE ledger_checkpoints (
    size      BIGINT NOT NULL PRIMARY KEY CHECK (size >= 0),
    root      TEXT   NOT NULL,
    note      TEXT   NOT NULL,
    signed_at BIGINT NOT NULL
);

-- refuse_change() comes from 0001.
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TRIGGER ledger_nodes_append_only BEFORE UPDATE OR DELETE ON ledger_nodes
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The head row is updated by every append, but never removed.
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- TRUNCATE bypasses row triggers: refuse it on the append-only tables too.
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER ledger_nodes_no_truncate BEFORE TRUNCATE ON ledger_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

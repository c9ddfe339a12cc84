-- 0005: the tamper-evident ledger (SQLite). Released: never edit, add a new migration.
--
-- Every case event and every access entry becomes one leaf of an append-only
-- RFC 9162 Merkle tree, written in the same transaction as the row it records.
-- Hashes are lowercase hex TEXT. Only ledger_head changes: it holds the tree size
-- and the frontier (the roots of the perfect subtrees, comma-separated hex), so an
-- append never reads more than this one row.

CREATE TABLE ledger_entries (
    idx       INTEGER NOT NULL PRIMARY KEY CHECK (idx >= 0),
    entry     BLOB    NOT NULL,
    leaf_hash TEXT    NOT NULL,
    subject   TEXT,
    kind      TEXT    NOT NULL
) STRICT;

CREATE INDEX ledger_entries_subject ON ledger_entries (subject, idx);

-- Every perfect subtree completed by an append (about two rows per entry): enough
-- for roots and proofs of any size in O(log n) lookups.
CREATE TABLE ledger_nodes (
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  TEXT    NOT NULL,
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE ledger_head (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    size     INTEGER NOT NULL CHECK (size >= 0),
    frontier TEXT    NOT NULL
) STRICT;

INSERT INTO ledger_head (id, size, frontier) VALUES (1, 0, '');

-- Signed tree heads (C2SP tlog-checkpoint notes).
CREATE TABLE ledger_checkpoints (
    size      INTEGER NOT NULL PRIMARY KEY CHECK (size >= 0),
    root      TEXT    NOT NULL,
    note      TEXT    NOT NULL,
    signed_at INTEGER NOT NULL
) STRICT;

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;

CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;

CREATE TRIGGER ledger_nodes_no_update BEFORE UPDATE ON ledger_nodes
BEGIN
    SELECT RAISE(ABORT, 'ledger_nodes is append-only');
END;

CREATE TRIGGER ledger_nodes_no_delete BEFORE DELETE ON ledger_nodes
BEGIN
    SELECT RAISE(ABORT, 'ledger_nodes is append-only');
END;

CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'ledger_checkpoints is append-only');
END;

CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'ledger_checkpoints is append-only');
END;

-- The head row is updated by every append, but never removed.
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
BEGIN
    SELECT RAISE(ABORT, 'ledger_head cannot be deleted');
END;

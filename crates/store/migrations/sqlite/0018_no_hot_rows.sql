-- 0018: the shape PostgreSQL needs so that writers on several nodes do not queue on
-- one row (see postgres/0018). SQLite has one writer: its ledger appends stay in
-- the write, and its dashboard totals keep one shard. Only the stale mark is shared:
-- a write that cannot count under the stored basis marks the totals for a recount.

CREATE TABLE dashboard_stale (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1)
);

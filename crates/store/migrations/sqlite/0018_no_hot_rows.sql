-- 0018: the shape PostgreSQL needs so that writers on several nodes do not queue on
-- one row (see postgres/0018). SQLite has one writer: its ledger appends stay in
-- the write, and its dashboard totals keep one shard. Only the stale mark is shared:
-- a write that cannot count under the stored basis marks the totals for a recount.

CREATE TABLE dashboard_stale (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1)
);

-- Scheduled jobs (a policy's nightly run): the node that inserts the row for a
-- job and period runs it; the others find it taken. Exactly once across nodes.
CREATE TABLE scheduled_runs (
    job        TEXT    NOT NULL,
    period     TEXT    NOT NULL,
    node       TEXT    NOT NULL,
    claimed_at INTEGER NOT NULL,
    PRIMARY KEY (job, period)
);

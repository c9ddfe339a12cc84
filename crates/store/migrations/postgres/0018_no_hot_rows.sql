-- 0018: writers on several nodes no longer queue on one row (PostgreSQL), and
-- scheduled jobs run once across nodes.
--
-- Before, every write locked ledger_head (to append its entries) and
-- dashboard_basis, and added to the same dashboard_counts rows, each lock held to
-- the commit: all writes of all nodes ran one after another.
--
-- 1. A write appends its ledger entries to ledger_pending (no shared row). A
--    sequencer, one at a time across nodes (it locks ledger_head), moves the
--    committed pending entries into the ledger in seq order, in batches, with their
--    tree nodes; every read of the ledger first sequences what is pending, so a
--    reader sees every committed write's entries. The ledger stays one gapless,
--    verifiable log with the same proofs.
-- 2. dashboard_counts is kept in shards: a write adds to the shard of its turn,
--    readers sum the shards. Writers read dashboard_basis FOR SHARE; a write that
--    cannot count under the stored basis marks the totals stale (dashboard_stale)
--    instead of updating the basis row, so that writers never need an exclusive
--    lock on it; the recount takes it exclusively and clears the mark.

CREATE TABLE ledger_pending (
    seq     BIGSERIAL PRIMARY KEY,
    entry   BYTEA NOT NULL,
    subject TEXT,
    kind    TEXT  NOT NULL
);

ALTER TABLE dashboard_counts ADD COLUMN shard BIGINT NOT NULL DEFAULT 0 CHECK (shard >= 0);
ALTER TABLE dashboard_counts DROP CONSTRAINT dashboard_counts_pkey;
ALTER TABLE dashboard_counts ADD PRIMARY KEY (scope, key, measure, bucket, shard);

CREATE TABLE dashboard_stale (
    id BIGINT NOT NULL PRIMARY KEY CHECK (id = 1)
);

-- Scheduled jobs (a policy's nightly run): the node that inserts the row for a
-- job and period runs it; the others find it taken. Exactly once across nodes.
CREATE TABLE scheduled_runs (
    job        TEXT   NOT NULL,
    period     TEXT   NOT NULL,
    node       TEXT   NOT NULL,
    claimed_at BIGINT NOT NULL,
    PRIMARY KEY (job, period)
);

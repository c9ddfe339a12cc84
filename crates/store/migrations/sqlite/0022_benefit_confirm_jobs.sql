-- 免申即享 for the people and departments who use it.
--
-- Confirming a whole period for payment runs as a background job: the request answers
-- at once, the job confirms in batches (each batch one transaction with its findings'
-- ledger entries and its progress), and the page and the API show its progress. At
-- most one job runs per policy and period (the partial unique index); a job holds a
-- lease renewed with every batch, so a job whose node stopped is taken over by another
-- (or the same, restarted) node once its lease has run out.
CREATE TABLE benefit_confirm_jobs (
    id              TEXT    PRIMARY KEY,
    policy          TEXT    NOT NULL,
    period          TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    started_by      TEXT    NOT NULL,
    started_by_name TEXT    NOT NULL,
    started_at      INTEGER  NOT NULL,
    finished_at     INTEGER,
    -- Granted findings of the period when the job started.
    total           INTEGER  NOT NULL,
    confirmed       INTEGER  NOT NULL DEFAULT 0,
    amount_fen      INTEGER  NOT NULL DEFAULT 0,
    -- What each finding's recipient reads beside 已确认发放.
    reason          TEXT    NOT NULL,
    error           TEXT,
    lease_owner     TEXT,
    lease_until     INTEGER  NOT NULL
);
CREATE UNIQUE INDEX benefit_confirm_jobs_running ON benefit_confirm_jobs (policy, period) WHERE state = 'running';
CREATE INDEX benefit_confirm_jobs_policy ON benefit_confirm_jobs (policy, started_at);

-- A person's objection (有异议) and the department's answer: the state the finding had
-- before (a finding upheld returns to it), the person's reason, and the decision
-- (维持 upheld / 更正 corrected) with the reply the person reads on 我的待遇.
CREATE TABLE benefit_objections (
    finding_id    TEXT    NOT NULL,
    objected_at   INTEGER  NOT NULL,
    objected_from TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    decision      TEXT    CHECK (decision IN ('upheld', 'corrected')),
    reply         TEXT,
    resolved_by   TEXT,
    resolved_at   INTEGER,
    PRIMARY KEY (finding_id, objected_at)
);

-- A policy's runs over the whole population (免申即享), whoever started them: the
-- department from its page or the API, the nightly schedule, the command line. A run
-- over a million people takes about half a minute, so it is recorded as it goes: the
-- stage it is at (reading, evaluating, storing, done) with its counts, then its
-- summary or why it failed, so that the department's page shows progress and history.
-- At most one run per policy at a time (the partial unique index). A run holds a lease
-- renewed at each stage; a run whose lease ran out (its node stopped) is marked failed
-- when the next run of the policy starts. Runs are safe to repeat: a finding changes
-- only when the data did.
CREATE TABLE benefit_runs (
    id              TEXT    PRIMARY KEY,
    policy          TEXT    NOT NULL,
    -- The evaluation date (YYYY-MM-DD) and the period it falls in.
    as_of           TEXT    NOT NULL,
    period          TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    stage           TEXT    NOT NULL CHECK (stage IN ('reading', 'evaluating', 'storing', 'done')),
    started_by      TEXT    NOT NULL,
    started_by_name TEXT    NOT NULL,
    started_at      INTEGER  NOT NULL,
    finished_at     INTEGER,
    -- Records read, subjects evaluated, findings and access entries being stored.
    records         INTEGER  NOT NULL DEFAULT 0,
    subjects        INTEGER  NOT NULL DEFAULT 0,
    findings        INTEGER  NOT NULL DEFAULT 0,
    accesses        INTEGER  NOT NULL DEFAULT 0,
    -- The run's summary (JSON) once it succeeded; why it failed otherwise.
    summary         TEXT,
    error           TEXT,
    lease_owner     TEXT,
    lease_until     INTEGER  NOT NULL
);
CREATE UNIQUE INDEX benefit_runs_running ON benefit_runs (policy) WHERE state = 'running';
CREATE INDEX benefit_runs_policy ON benefit_runs (policy, started_at);

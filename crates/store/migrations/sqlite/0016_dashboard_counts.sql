-- The dashboard's totals (metrics::counts): what the stored cases add up to per
-- one-thing and department, kept in the transaction of every case write so that a
-- dashboard reads them instead of every case. No personal data: one-thing ids,
-- department codes, states, dates and numbers of days.
CREATE TABLE dashboard_counts (
    scope   TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    measure TEXT    NOT NULL,
    bucket  TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (scope, key, measure, bucket)
) STRICT;

-- What the totals were counted under (metrics::counts::CaseCounter::basis: the
-- definition and the calendar). NULL: not counted yet (a database from before this
-- migration, counted on first use), or a write could not count under this basis;
-- the next reader counts every case again.
CREATE TABLE dashboard_basis (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    basis TEXT
) STRICT;
INSERT INTO dashboard_basis (id, basis) VALUES (1, NULL);

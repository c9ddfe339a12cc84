-- Official holiday notices imported by an operator (onething calendar import, or
-- the admin page). Every node builds its working-day calendar from the bundled
-- files plus these rows, so a year imported on one node reaches all of them.
CREATE TABLE calendar_years (
    year        BIGINT  NOT NULL PRIMARY KEY,
    label       TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    imported_at BIGINT  NOT NULL,
    imported_by TEXT    NOT NULL
);

-- Finding the open cases whose promised date lies in a year: by state, then date.
CREATE INDEX cases_state_promised ON cases (state, promised_date);

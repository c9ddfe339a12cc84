-- Failed logins per username, shared by every node: after a few in a row the
-- username is locked for a while (the policy is the server's). Rows of names that
-- are neither locked nor recently tried are pruned as new failures arrive.
CREATE TABLE login_failures (
    username     TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    locked_until INTEGER
);

CREATE INDEX login_failures_last_at ON login_failures (last_at);

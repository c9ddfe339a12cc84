-- The inbox, and the deadline alerts already raised. An alert's key is claimed in
-- the same transaction as its notifications, so with several nodes each alert is
-- raised exactly once.
CREATE TABLE deadline_alerts (
    case_id    TEXT   NOT NULL,
    item       TEXT   NOT NULL,
    kind       TEXT   NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    deadline   TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, item, kind, deadline)
);

CREATE TABLE notifications (
    id         BIGSERIAL PRIMARY KEY,
    recipient  TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    case_id    TEXT,
    item       TEXT,
    title      TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);

CREATE INDEX notifications_by_recipient ON notifications (recipient, id);

-- 可用不可见: each declared yes/no check is answered at most once per case and task.
-- The answer is kept so the task page can show it again without reading any data.
CREATE TABLE shared_checks (
    case_id  TEXT    NOT NULL REFERENCES cases (id),
    item     TEXT    NOT NULL,
    check_id TEXT    NOT NULL,
    answer   INTEGER NOT NULL CHECK (answer IN (0, 1)),
    asked_at INTEGER NOT NULL,
    asked_by TEXT    NOT NULL,
    PRIMARY KEY (case_id, item, check_id)
);

CREATE TRIGGER shared_checks_no_update BEFORE UPDATE ON shared_checks
BEGIN
    SELECT RAISE(ABORT, 'shared_checks is append-only');
END;

-- 免申即享: who a benefit policy found eligible, for which period, how much and why.
-- One row per (policy, period, subject); a re-run updates the amount and reasons but
-- keeps what the person decided (declined, objected). The recipient is the ID number or
-- credit code of who receives it (a child's mother for 育儿补贴), whose 我的待遇 shows it.
CREATE TABLE benefit_findings (
    id           TEXT    PRIMARY KEY,
    policy       TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    subject_name TEXT    NOT NULL,
    recipient    TEXT    NOT NULL,
    amount_fen   BIGINT  NOT NULL CHECK (amount_fen >= 0),
    reasons      TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('granted', 'invited', 'declined', 'objected', 'withdrawn')),
    state_reason TEXT,
    found_at     BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    UNIQUE (policy, period, subject)
);

CREATE INDEX benefit_findings_recipient ON benefit_findings (recipient);
CREATE INDEX benefit_findings_policy ON benefit_findings (policy, period);

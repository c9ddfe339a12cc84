-- 好差评: one rating per case (一次一评), by the applicant or by window staff on
-- their behalf (marked as such).
CREATE TABLE ratings (
    case_id    TEXT    NOT NULL PRIMARY KEY REFERENCES cases (id),
    account    TEXT    NOT NULL,
    level      BIGINT  NOT NULL CHECK (level BETWEEN 1 AND 5),
    comment    TEXT    NOT NULL,
    on_behalf  BIGINT  NOT NULL CHECK (on_behalf IN (0, 1)),
    rated_at   BIGINT  NOT NULL
);

-- 好差评 per department (一事一评) and per online indicator, and the rectification
-- (整改) each bad rating opens for the department responsible.
CREATE TABLE department_ratings (
    case_id    TEXT    NOT NULL REFERENCES cases (id),
    department TEXT    NOT NULL,
    level      BIGINT  NOT NULL CHECK (level BETWEEN 1 AND 5),
    comment    TEXT    NOT NULL,
    rated_at   BIGINT  NOT NULL,
    PRIMARY KEY (case_id, department)
);

CREATE TABLE rating_indicators (
    case_id   TEXT    NOT NULL REFERENCES cases (id),
    indicator TEXT    NOT NULL,
    level     BIGINT  NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (case_id, indicator)
);

CREATE TABLE rectifications (
    id         TEXT    NOT NULL PRIMARY KEY,
    case_id    TEXT    NOT NULL REFERENCES cases (id),
    department TEXT    NOT NULL,
    level      BIGINT  NOT NULL CHECK (level BETWEEN 1 AND 5),
    complaint  TEXT    NOT NULL,
    opened_at  BIGINT  NOT NULL,
    deadline   TEXT    NOT NULL,
    follow_up  TEXT,
    result     TEXT,
    closed_at  BIGINT,
    closed_by  TEXT
);

CREATE INDEX rectifications_by_department ON rectifications (department, opened_at);
CREATE INDEX rectifications_by_case ON rectifications (case_id);

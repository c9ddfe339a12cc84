-- `cases_newest (submitted_at, id)` (0015) serves every query that `cases_submitted_at`
-- (0001) served, and the keyset pages besides; the older index only cost one more
-- B-tree insert on every submission.
DROP INDEX IF EXISTS cases_submitted_at;

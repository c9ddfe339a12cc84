-- The working days each task was given, so that the queue and the deadline watch
-- can say "due soon" exactly without reading case documents. Existing rows take
-- the limit from their case document.
ALTER TABLE tasks ADD COLUMN promised_limit_days INTEGER NOT NULL DEFAULT 0;

UPDATE tasks SET promised_limit_days = COALESCE((
    SELECT json_extract(task.value, '$.promised_limit_days')
    FROM cases, json_each(cases.doc, '$.tasks') AS task
    WHERE cases.id = tasks.case_id AND json_extract(task.value, '$.item') = tasks.item
), 0);

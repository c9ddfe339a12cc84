-- The working days each task was given, so that the queue and the deadline watch
-- can say "due soon" exactly without reading case documents. Existing rows take
-- the limit from their case document.
ALTER TABLE tasks ADD COLUMN promised_limit_days BIGINT NOT NULL DEFAULT 0;

UPDATE tasks t SET promised_limit_days = (task ->> 'promised_limit_days')::BIGINT
FROM cases c, jsonb_array_elements(c.doc::jsonb -> 'tasks') AS task
WHERE c.id = t.case_id AND task ->> 'item' = t.item;

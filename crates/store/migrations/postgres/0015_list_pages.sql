-- Lists a page at a time (keyset pagination): newest cases first, and each
-- department's open tasks soonest deadline first, read from an index in order
-- whatever the size of the table.
CREATE INDEX cases_newest ON cases (submitted_at, id);
CREATE INDEX tasks_open_queue ON tasks (department, COALESCE(deadline, '9999-12-31'), case_id, item)
    WHERE state IN ('dispatched', 'accepted', 'supplement_requested');

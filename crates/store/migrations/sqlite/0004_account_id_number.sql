-- Window staff find a citizen's account by ID number.
CREATE INDEX accounts_by_id_number ON accounts (id_number);

-- The auditor role: reads the whole ledger, changes nothing.
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check CHECK (role IN ('applicant', 'staff', 'admin', 'auditor'));

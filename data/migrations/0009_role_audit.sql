-- Who granted or revoked the Manager role, and when (issue 10): an
-- administrator's change to another account's role. Only ids and the action:
-- no e-mail address or name. account_id goes NULL when that account is
-- deleted; the line stays, so the log still counts what was done.
CREATE TABLE account_role_audit (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    admin_id   INTEGER NOT NULL,
    action     TEXT    NOT NULL CHECK (action IN ('manager_granted', 'manager_revoked')),
    at         INTEGER NOT NULL
);

CREATE INDEX account_role_audit_by_time ON account_role_audit (at, id);

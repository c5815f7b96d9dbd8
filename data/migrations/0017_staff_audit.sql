-- Staff managed in the browser, and the audit log of staff actions (issue 14).
-- Times are unix seconds (UTC).

-- The last sign-in of a staff account (agent, editor, admin), for the
-- admins' staff page; written only for staff (accounts/members.go
-- recordSignIn), never for customers.
ALTER TABLE accounts ADD COLUMN signed_in_at INTEGER;

-- The staff policy an administrator sets: whether staff must use a second
-- factor before any desk or editor page. One row.
CREATE TABLE staff_policy (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    require_totp INTEGER NOT NULL DEFAULT 0,
    changed_at   INTEGER NOT NULL
);

INSERT INTO staff_policy (id, require_totp, changed_at) VALUES (1, 0, 0);

-- The audit log: one line per staff action. References only, never content:
-- a ticket's reference (never its subject, body, names or addresses), account
-- ids, the action, a field's name and enumerated values before and after
-- (statuses, priorities, roles, account ids, topic keys). The application
-- only appends (internal/audit); the retention sweep is the one DELETE.
-- actor_id 0 is the command line (zerodesk admin).
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    ticket     TEXT    NOT NULL DEFAULT '',
    subject_id INTEGER NOT NULL DEFAULT 0,
    field      TEXT    NOT NULL DEFAULT '',
    old_value  TEXT    NOT NULL DEFAULT '',
    new_value  TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_by_ticket ON audit_log (ticket, at);

-- How many days the log keeps its lines (the admin sets it). One row.
CREATE TABLE audit_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    retention_days INTEGER NOT NULL CHECK (retention_days BETWEEN 1 AND 3650)
);

INSERT INTO audit_settings (id, retention_days) VALUES (1, 365);

-- Account managers and the users they add to their account (issue 6). The
-- member's own row in accounts holds everything about the member, sealed as
-- for any account; here is only what the manager needs to manage it. Times
-- are unix seconds (UTC).

-- One row per user a manager added. label_sealed is the name the manager
-- gave, sealed under the MANAGER's data key (only the manager's signed-in
-- session opens it; the member's own name stays under the member's data key).
-- account_id goes NULL when the member's account is deleted: closed by the
-- manager (closed_at set), deleted by its user, or a registration never used.
-- last_login_at is written at each sign-in of a member, and only of members.
CREATE TABLE account_members (
    id            INTEGER PRIMARY KEY,
    manager_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id    INTEGER UNIQUE REFERENCES accounts (id) ON DELETE SET NULL,
    label_sealed  BLOB    NOT NULL,
    added_at      INTEGER NOT NULL,
    last_login_at INTEGER,
    closed_at     INTEGER
);

CREATE INDEX account_members_by_manager ON account_members (manager_id, id);

-- What managers did to their members, newest read first. detail_sealed (the
-- member's label at the time, the type before and after) is sealed under the
-- manager's data key, because it names people; the action and the time are
-- not secret.
CREATE TABLE account_member_audit (
    id            INTEGER PRIMARY KEY,
    manager_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES account_members (id) ON DELETE CASCADE,
    actor_id      INTEGER NOT NULL,
    action        TEXT    NOT NULL CHECK (action IN ('added', 'suspended', 'reactivated', 'closed', 'type_changed')),
    detail_sealed BLOB    NOT NULL,
    at            INTEGER NOT NULL
);

CREATE INDEX account_member_audit_by_manager ON account_member_audit (manager_id, at, id);

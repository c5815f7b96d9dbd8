package accounts

import (
	"context"
	"database/sql"
	"errors"
)

// The portable SQL of the accounts room ($N placeholders; SQLite and
// PostgreSQL read it alike). Tables: data/migrations/0003_accounts.sql.
const (
	accountColumns = `id, lookup, role, state, lang, email_lookup, email_sealed, name_sealed,
		pw_params, pw_verifier, data_key_wrapped, phrase_sealed, usercode_key_wrapped,
		totp_sealed, totp_pending_sealed, totp_last_step, created_at, activated_at`

	sqlAccountByLookup = `SELECT ` + accountColumns + ` FROM accounts WHERE lookup = $1`
	sqlAccountByID     = `SELECT ` + accountColumns + ` FROM accounts WHERE id = $1`
	// Step 1 of the login reads one row whether or not the account exists: the
	// stand-in values ($2 a sealed phrase of the usual size) fill a missing one.
	sqlStep1 = `SELECT COALESCE(a.id, 0), COALESCE(a.state, ''), COALESCE(a.created_at, 0), COALESCE(a.phrase_sealed, $2)
		FROM (SELECT 1 AS one) AS one LEFT JOIN accounts a ON a.lookup = $1`

	sqlInsertAccount = `INSERT INTO accounts (lookup, role, state, lang, email_lookup, email_sealed, name_sealed, created_at, updated_at)
		VALUES ($1, $2, 'pending', $3, $4, $6, $6, $5, $5) RETURNING id` // $6: noBlob
	sqlSealPending = `UPDATE accounts SET email_sealed = $2, name_sealed = $3 WHERE id = $1`
	sqlActivate    = `UPDATE accounts SET state = 'active', name_sealed = $2, pw_params = $3, pw_verifier = $4,
		data_key_wrapped = $5, phrase_sealed = $6, usercode_key_wrapped = $7, activated_at = $8, updated_at = $8
		WHERE id = $1 AND state = 'pending' AND created_at > $9`
	sqlSetPassword = `UPDATE accounts SET pw_params = $2, pw_verifier = $3, data_key_wrapped = $4, updated_at = $5
		WHERE id = $1`
	sqlSetPhrase   = `UPDATE accounts SET phrase_sealed = $2, updated_at = $3 WHERE id = $1`
	sqlSetProfile  = `UPDATE accounts SET name_sealed = $2, lang = $3, updated_at = $4 WHERE id = $1`
	sqlSetEmail    = `UPDATE accounts SET email_lookup = $2, email_sealed = $3, updated_at = $4 WHERE id = $1`
	sqlSetTOTPPend = `UPDATE accounts SET totp_pending_sealed = $2, updated_at = $3 WHERE id = $1`
	sqlEnableTOTP  = `UPDATE accounts SET totp_sealed = $2, totp_pending_sealed = NULL, totp_last_step = $3, updated_at = $4
		WHERE id = $1 AND totp_pending_sealed IS NOT NULL AND totp_sealed IS NULL`
	sqlDisableTOTP = `UPDATE accounts SET totp_sealed = NULL, totp_pending_sealed = NULL, totp_last_step = 0, updated_at = $2
		WHERE id = $1`
	// Single use: only a later step than the last accepted one is taken.
	sqlUseTOTPStep = `UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`
	sqlSetState    = `UPDATE accounts SET state = $2, updated_at = $3 WHERE id = $1`
	sqlSetRole     = `UPDATE accounts SET role = $2, updated_at = $3 WHERE id = $1`
	sqlDelete      = `DELETE FROM accounts WHERE id = $1`
	sqlPrunePend   = `DELETE FROM accounts WHERE state = 'pending' AND created_at <= $1`

	// The index of sessions (account_sessions) follows scs's rows (sessions,
	// internal/store/sessions.go) by token hash, ON DELETE CASCADE: ending a
	// session deletes scs's row, and the line goes with it.
	sqlInsertSession = `INSERT INTO account_sessions
		(token_hash, account_id, stage, label, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	sqlSessionByHash = `SELECT s.id, s.account_id, s.stage, s.label, s.failures, s.created_at,
		s.last_seen_at, s.expires_at, a.role, a.state, a.lang
		FROM account_sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1`
	sqlSessionLive    = `SELECT 1 FROM account_sessions WHERE token_hash = $1`
	sqlTouchSession   = `UPDATE account_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at <= $3`
	sqlSessionFailure = `UPDATE account_sessions SET failures = failures + 1 WHERE id = $1 RETURNING failures`
	sqlDeleteSession  = `DELETE FROM sessions WHERE token IN (SELECT token_hash FROM account_sessions WHERE id = $1)`
	sqlEndSession     = `DELETE FROM sessions WHERE token IN
		(SELECT token_hash FROM account_sessions WHERE id = $1 AND account_id = $2)`
	sqlEndOthers = `DELETE FROM sessions WHERE token IN
		(SELECT token_hash FROM account_sessions WHERE account_id = $1 AND id <> $2)`
	sqlEndAll       = `DELETE FROM sessions WHERE token IN (SELECT token_hash FROM account_sessions WHERE account_id = $1)`
	sqlListSessions = `SELECT x.id, x.label, x.created_at, x.last_seen_at, x.expires_at
		FROM account_sessions x JOIN sessions s ON s.token = x.token_hash
		WHERE x.account_id = $1 AND x.stage = 'full' AND s.expiry > $2 ORDER BY x.last_seen_at DESC, x.id DESC`

	sqlLimit       = `SELECT window_start, attempts, locked_until FROM auth_limits WHERE scope = $1 AND key = $2`
	sqlUpsertLimit = `INSERT INTO auth_limits (scope, key, window_start, attempts, locked_until) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (scope, key) DO UPDATE SET window_start = excluded.window_start,
			attempts = excluded.attempts, locked_until = excluded.locked_until`
	sqlClearLimit = `DELETE FROM auth_limits WHERE scope = $1 AND key = $2`
	// Gives one attempt back (a success from a shared address) and lifts the
	// lock when that brings the count under the limit.
	sqlGiveBack = `UPDATE auth_limits SET attempts = attempts - 1,
		locked_until = CASE WHEN attempts - 1 < $3 THEN 0 ELSE locked_until END
		WHERE scope = $1 AND key = $2 AND attempts > 0`
	sqlPruneLimits = `DELETE FROM auth_limits WHERE window_start <= $1 AND locked_until <= $2`

	sqlInsertRecovery = `INSERT INTO account_recovery_codes (account_id, code_hash) VALUES ($1, $2)`
	sqlUseRecovery    = `DELETE FROM account_recovery_codes WHERE account_id = $1 AND code_hash = $2`
	sqlClearRecovery  = `DELETE FROM account_recovery_codes WHERE account_id = $1`
	sqlCountRecovery  = `SELECT count(*) FROM account_recovery_codes WHERE account_id = $1`

	sqlUpsertCode = `INSERT INTO account_codes (account_id, purpose, code_hash, payload_sealed, tries, expires_at)
		VALUES ($1, $2, $3, $4, 0, $5)
		ON CONFLICT (account_id, purpose) DO UPDATE SET code_hash = excluded.code_hash,
			payload_sealed = excluded.payload_sealed, tries = 0, expires_at = excluded.expires_at`
	sqlCode       = `SELECT code_hash, payload_sealed, tries, expires_at FROM account_codes WHERE account_id = $1 AND purpose = $2`
	sqlCodeTry    = `UPDATE account_codes SET tries = tries + 1 WHERE account_id = $1 AND purpose = $2`
	sqlDeleteCode = `DELETE FROM account_codes WHERE account_id = $1 AND purpose = $2`
	sqlPruneCodes = `DELETE FROM account_codes WHERE expires_at <= $1`

	// Managed members (members.go).
	sqlInsertMember = `INSERT INTO account_members (manager_id, account_id, label_sealed, added_at)
		VALUES ($1, $2, $4, $3) RETURNING id` // $4: noBlob
	sqlSealMemberLabel = `UPDATE account_members SET label_sealed = $2 WHERE id = $1`
	memberColumns      = `m.id, m.account_id, m.label_sealed, m.added_at, m.last_login_at, m.closed_at,
		a.role, a.state, a.email_sealed, a.lookup`
	sqlMembers = `SELECT ` + memberColumns + ` FROM account_members m LEFT JOIN accounts a ON a.id = m.account_id
		WHERE m.manager_id = $1 ORDER BY m.id DESC`
	sqlMember = `SELECT ` + memberColumns + ` FROM account_members m LEFT JOIN accounts a ON a.id = m.account_id
		WHERE m.id = $1 AND m.manager_id = $2`
	sqlCloseMember  = `UPDATE account_members SET account_id = NULL, closed_at = $2 WHERE id = $1`
	sqlMemberSignIn = `UPDATE account_members SET last_login_at = $2 WHERE account_id = $1`
	// A state change only from the state the action expects, so two
	// concurrent requests cannot both pass.
	sqlMemberState = `UPDATE accounts SET state = $2, updated_at = $3 WHERE id = $1 AND state = $4`
	sqlMemberRole  = `UPDATE accounts SET role = $2, updated_at = $3 WHERE id = $1 AND role = $4`

	// The managers' audit log (audit.go).
	sqlInsertAudit = `INSERT INTO account_member_audit (manager_id, member_id, actor_id, action, detail_sealed, at)
		VALUES ($1, $2, $3, $4, $6, $5) RETURNING id` // $6: noBlob
	sqlSealAudit = `UPDATE account_member_audit SET detail_sealed = $2 WHERE id = $1`
	sqlAuditPage = `SELECT id, member_id, actor_id, action, detail_sealed, at FROM account_member_audit
		WHERE manager_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3`

	// Staff roles (roles.go).
	sqlAccountsByEmail = `SELECT id, role, state FROM accounts WHERE email_lookup = $1 ORDER BY id`
	sqlSetRoleFrom     = `UPDATE accounts SET role = $3, updated_at = $4 WHERE id = $1 AND role = $2`
	sqlInsertRoleAudit = `INSERT INTO account_role_audit (account_id, admin_id, action, at) VALUES ($1, $2, $3, $4)`
	sqlRoleAudit       = `SELECT COALESCE(account_id, 0), admin_id, action, at FROM account_role_audit ORDER BY at DESC, id DESC LIMIT $1`

	// Staff (staff.go).
	staffRoles   = `('agent', 'editor', 'admin')`
	sqlStaffList = `SELECT id, role, state, email_sealed, CASE WHEN totp_sealed IS NULL THEN 0 ELSE 1 END,
		COALESCE(signed_in_at, 0), created_at FROM accounts WHERE role IN ` + staffRoles + ` ORDER BY id`
	sqlStaffByID         = `SELECT role, state FROM accounts WHERE id = $1 AND role IN ` + staffRoles
	sqlOtherActiveAdmins = `SELECT count(*) FROM accounts WHERE role = 'admin' AND state = 'active' AND id <> $1`
	sqlStaffSignIn       = `UPDATE accounts SET signed_in_at = $2 WHERE id = $1 AND role IN ` + staffRoles
	sqlWithdrawInvite    = `DELETE FROM accounts WHERE id = $1 AND state = 'pending'`
	sqlStaffPolicy       = `SELECT require_totp FROM staff_policy WHERE id = 1`
	sqlSetStaffPolicy    = `UPDATE staff_policy SET require_totp = $1, changed_at = $2 WHERE id = 1`
	sqlNeedsTOTP         = `SELECT p.require_totp, CASE WHEN a.totp_sealed IS NULL THEN 0 ELSE 1 END
		FROM staff_policy p JOIN accounts a ON a.id = $1 WHERE p.id = 1`

	// Account recovery (recover.go).
	sqlRecoveryByAccount = `SELECT method_sealed, params, record_id, record_sealed, created_at
		FROM account_recovery WHERE account_id = $1`
	sqlUpsertRecord = `INSERT INTO account_recovery (account_id, method_sealed, params, record_id, record_sealed, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account_id) DO UPDATE SET method_sealed = excluded.method_sealed, params = excluded.params,
			record_id = excluded.record_id, record_sealed = excluded.record_sealed, created_at = excluded.created_at`
	sqlDeleteRecord = `DELETE FROM account_recovery WHERE account_id = $1`

	// Reset (reset.go).
	sqlResetKeys = `UPDATE accounts SET name_sealed = $2, pw_params = $3, pw_verifier = $4, data_key_wrapped = $5,
		phrase_sealed = $6, usercode_key_wrapped = $7, totp_sealed = NULL, totp_pending_sealed = NULL,
		totp_last_step = 0, updated_at = $8
		WHERE id = $1 AND state = 'active'`

	// A new usercode (newusercode.go).
	sqlActiveByEmail = `SELECT id, lang, email_sealed, lookup, created_at FROM accounts
		WHERE email_lookup = $1 AND state = 'active' ORDER BY id LIMIT $2`
	sqlReplaceLookup     = `UPDATE accounts SET lookup = $2, updated_at = $4 WHERE id = $1 AND lookup = $3 AND state = 'active'`
	sqlSetUsercodeKeys   = `UPDATE accounts SET phrase_sealed = $2, usercode_key_wrapped = $3 WHERE id = $1`
	sqlSetRecoveryMethod = `UPDATE account_recovery SET method_sealed = $2 WHERE account_id = $1`
)

// noBlob is the empty blob a sealed column holds between the INSERT that gives
// a row its id and the UPDATE that seals the value bound to that id (accounts,
// members, audit entries). It is bound rather than written as a blob literal,
// so the statement reads the same in SQLite and PostgreSQL.
var noBlob = []byte{}

// accountRow is one row of accounts, still sealed.
type accountRow struct {
	id                 int64
	lookup             []byte
	role               Role
	state              State
	lang               string
	emailLookup        []byte
	emailSealed        []byte
	nameSealed         []byte
	pwParams           sql.NullString
	pwVerifier         []byte
	dataKeyWrapped     []byte
	phraseSealed       []byte
	usercodeKeyWrapped []byte
	totpSealed         []byte
	totpPendingSealed  []byte
	totpLastStep       int64
	createdAt          int64
	activatedAt        sql.NullInt64
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadAccount returns the row, or nil when there is none.
func loadAccount(ctx context.Context, q queryer, query string, arg any) (*accountRow, error) {
	var r accountRow
	err := q.QueryRowContext(ctx, query, arg).Scan(&r.id, &r.lookup, &r.role, &r.state, &r.lang, &r.emailLookup,
		&r.emailSealed, &r.nameSealed, &r.pwParams, &r.pwVerifier, &r.dataKeyWrapped, &r.phraseSealed,
		&r.usercodeKeyWrapped, &r.totpSealed, &r.totpPendingSealed, &r.totpLastStep, &r.createdAt, &r.activatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// loadForStep1 reads what step 1 needs; id is 0 when there is no account.
func (a *Accounts) loadForStep1(ctx context.Context, lookup []byte) (*accountRow, error) {
	var r accountRow
	err := a.db.Read.QueryRowContext(ctx, sqlStep1, lookup, a.standIn.sealed).Scan(&r.id, &r.state, &r.createdAt, &r.phraseSealed)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// verify.go: a sample of the sealed addresses, newest first.
const sqlSampleSealedEmails = `SELECT id, email_sealed FROM accounts ORDER BY id DESC LIMIT $1`

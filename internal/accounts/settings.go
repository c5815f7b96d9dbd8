package accounts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// sessionAccount loads the signed-in account and the data key s holds.
func (a *Accounts) sessionAccount(ctx context.Context, s *Session) (*accountRow, []byte, error) {
	row, err := loadAccount(ctx, a.db.Read, sqlAccountByID, s.AccountID)
	if err != nil {
		return nil, nil, errs.Wrap(err, "accounts: load account")
	}
	if row == nil || row.state != Active {
		return nil, nil, errSessionExpired()
	}
	dk, err := a.dataKey(s)
	if err != nil {
		return nil, nil, err
	}
	return row, dk, nil
}

// reauth checks the password again inside a session before a sensitive change
// (ASVS 5.0 7.5.1). Failures count against the usercode like login failures;
// when it is locked the answer is rate_limited.
func (a *Accounts) reauth(ctx context.Context, s *Session, password string) (*accountRow, []byte, error) {
	row, _, err := a.sessionAccount(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	var ok bool
	err = a.db.Tx(ctx, func(tx *sql.Tx) (err error) {
		ok, err = a.hit(ctx, tx, scopeUsercode, row.lookup, a.now())
		return err
	})
	if err != nil {
		return nil, nil, errs.Pass(err, "accounts: count attempt")
	}
	if !ok {
		return nil, nil, errs.E(errs.RateLimited, MsgTooManyAttempts)
	}
	dk, _, err := a.verifyPassword(ctx, row, row.lookup, password, true)
	if err != nil {
		return nil, nil, err
	}
	if dk == nil {
		return nil, nil, errs.E(errs.Forbidden, MsgPasswordWrong)
	}
	if err := a.clear(ctx, scopeUsercode, row.lookup); err != nil {
		return nil, nil, errs.Wrap(err, "accounts: clear counter")
	}
	return row, dk, nil
}

// person opens the account's name and e-mail address.
func (a *Accounts) person(row *accountRow, dk []byte) (name, email string, err error) {
	n, err := crypt.Open(dk, row.nameSealed, ad("name", row.id))
	if err != nil {
		return "", "", errs.Wrap(err, "accounts: open name")
	}
	e, err := crypt.Open(a.keys.email, row.emailSealed, ad("email", row.id))
	if err != nil {
		return "", "", errs.Wrap(err, "accounts: open e-mail")
	}
	return string(n), string(e), nil
}

// ChangePassword sets a new password after checking the current one. The data
// key stays (re-wrapped), so nothing sealed is lost; every other session ends
// (ASVS 7.4.3) and the address on file is told.
func (a *Accounts) ChangePassword(ctx context.Context, s *Session, current, next string) error {
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return err
	}
	name, email, err := a.person(row, dk)
	if err != nil {
		return err
	}
	if err := CheckPassword(next, name, email); err != nil {
		return err
	}
	if _, _, err := a.reauth(ctx, s, current); err != nil {
		return err
	}
	creds, err := a.newCredentials(ctx, row.id, next, dk)
	if err != nil {
		return err
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlSetPassword, row.id, creds.params, creds.verifier, creds.dataKeyWrapped, a.unix()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, sqlEndOthers, row.id, s.ID); err != nil {
			return err
		}
		return a.outbox.Enqueue(ctx, tx, a.message(email, row.lang, MailPasswordChangedSubject, MailPasswordChangedBody, nil))
	})
	if err != nil {
		return errs.Pass(err, "accounts: change password")
	}
	a.outbox.Wake()
	a.log.Info("accounts: password changed; other sessions ended", "account", row.id)
	return nil
}

// ChangePhrase sets a new anti-phishing phrase, sealed again under the
// usercode key (which the data key holds, so the usercode is not asked for).
func (a *Accounts) ChangePhrase(ctx context.Context, s *Session, phrase string) error {
	phrase, err := cleanPhrase(phrase)
	if err != nil {
		return err
	}
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return err
	}
	ucKey, err := crypt.UnwrapKey(dk, row.usercodeKeyWrapped, ad("usercode-key", row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: unwrap usercode key")
	}
	sealed, err := crypt.Seal(ucKey, []byte(phrase), ad("phrase", row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: seal phrase")
	}
	_, err = a.db.Write.ExecContext(ctx, sqlSetPhrase, row.id, sealed, a.unix())
	return errs.Wrap(err, "accounts: change phrase")
}

// Profile is what "My account" shows.
type Profile struct {
	Name              string    `json:"name"`
	Email             string    `json:"email"`
	Lang              string    `json:"language"`
	Role              Role      `json:"role"`
	SecondFactor      bool      `json:"second_factor"`
	RecoveryCodesLeft int       `json:"recovery_codes_left"`
	CreatedAt         time.Time `json:"created_at"`
	ActivatedAt       time.Time `json:"activated_at"`
}

// Profile returns the signed-in account's details, opened with its data key.
func (a *Accounts) Profile(ctx context.Context, s *Session) (*Profile, error) {
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return nil, err
	}
	return a.profile(ctx, row, dk)
}

func (a *Accounts) profile(ctx context.Context, row *accountRow, dk []byte) (*Profile, error) {
	name, email, err := a.person(row, dk)
	if err != nil {
		return nil, err
	}
	p := &Profile{Name: name, Email: email, Lang: row.lang, Role: row.role, SecondFactor: row.totpSealed != nil,
		CreatedAt: time.Unix(row.createdAt, 0), ActivatedAt: time.Unix(row.activatedAt.Int64, 0)}
	if err := a.db.Read.QueryRowContext(ctx, sqlCountRecovery, row.id).Scan(&p.RecoveryCodesLeft); err != nil {
		return nil, errs.Wrap(err, "accounts: count recovery codes")
	}
	return p, nil
}

// UpdateProfile changes the name and the language preference.
func (a *Accounts) UpdateProfile(ctx context.Context, s *Session, name, lang string) error {
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	if err := a.checkLang(lang); err != nil {
		return err
	}
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return err
	}
	sealed, err := crypt.Seal(dk, []byte(name), ad("name", row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: seal name")
	}
	_, err = a.db.Write.ExecContext(ctx, sqlSetProfile, row.id, sealed, lang, a.unix())
	return errs.Wrap(err, "accounts: update profile")
}

// Export is everything the account holds about its user, opened: "export my
// data". Secrets that would only help an attacker (TOTP secret, hashes) stay out.
type Export struct {
	ExportedAt time.Time     `json:"exported_at"`
	Account    Profile       `json:"account"`
	Phrase     string        `json:"anti_phishing_phrase"`
	Sessions   []SessionInfo `json:"sessions"`
}

// Export returns the signed-in user's data.
func (a *Accounts) Export(ctx context.Context, s *Session) (*Export, error) {
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return nil, err
	}
	p, err := a.profile(ctx, row, dk)
	if err != nil {
		return nil, err
	}
	ucKey, err := crypt.UnwrapKey(dk, row.usercodeKeyWrapped, ad("usercode-key", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: unwrap usercode key")
	}
	phrase, err := crypt.Open(ucKey, row.phraseSealed, ad("phrase", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: open phrase")
	}
	sessions, err := a.Sessions(ctx, s)
	if err != nil {
		return nil, err
	}
	return &Export{ExportedAt: a.now().UTC(), Account: *p, Phrase: string(phrase), Sessions: sessions}, nil
}

// Delete removes the account and everything it holds (sessions, codes,
// counters) after checking the password, and with it what each eraser keeps
// for the account (its tickets), in one transaction. The freed bytes are
// zeroed (store.SecureDelete) and the WAL is checkpointed, so what was deleted is
// gone from the files too.
func (a *Accounts) Delete(ctx context.Context, s *Session, password string, erasers ...DataEraser) error {
	row, _, err := a.reauth(ctx, s, password)
	if err != nil {
		return err
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		return a.db.SecureDelete(ctx, tx, func() error {
			for _, e := range erasers {
				if err := e.EraseAccountData(ctx, tx, row.id); err != nil {
					return err
				}
			}
			// scs's rows first: the index lines follow them, the account's
			// deletion would leave them behind.
			if _, err := tx.ExecContext(ctx, sqlEndAll, row.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlDelete, row.id); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, sqlClearLimit, string(scopeUsercode), row.lookup)
			return err
		})
	})
	if err != nil {
		return errs.Pass(err, "accounts: delete")
	}
	// Best effort: a checkpoint cannot pass readers still on older frames;
	// the next one (message expiry's sweep, every 30 seconds) gets them.
	_ = a.db.Checkpoint(ctx)
	a.log.Info("accounts: deleted", "account", row.id)
	return nil
}

// SetState suspends or reactivates an account (managers, admins). Suspending
// ends its sessions.
func (a *Accounts) SetState(ctx context.Context, accountID int64, state State) error {
	if state != Active && state != Suspended {
		return errs.E(errs.Invalid, MsgStateInvalid)
	}
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlSetState+` AND state <> 'pending'`, accountID, string(state), a.unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.NotFound, MsgNotFound)
		}
		if state == Suspended {
			_, err = tx.ExecContext(ctx, sqlEndAll, accountID)
		}
		return err
	})
	return errs.Pass(err, "accounts: set state")
}

// SetRole changes an account's role (an admin granting Manager to a premium
// user, for one). The account's sessions end, so the new role applies from the
// next login.
func (a *Accounts) SetRole(ctx context.Context, accountID int64, role Role) error {
	if !role.valid() {
		return errs.E(errs.Invalid, MsgRoleInvalid)
	}
	err := a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlSetRole, accountID, string(role), a.unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.NotFound, MsgNotFound)
		}
		_, err = tx.ExecContext(ctx, sqlEndAll, accountID)
		return err
	})
	return errs.Pass(err, "accounts: set role")
}

const purposeEmail = "email-change"

// RequestEmailChange e-mails a 6-digit code to the new address after checking
// the password (the address is used in account recovery, ASVS 7.5.1); the
// change happens when ConfirmEmailChange gets the code within Limits.CodeTTL.
func (a *Accounts) RequestEmailChange(ctx context.Context, s *Session, password, newEmail string) error {
	email, key, err := a.cleanEmail(newEmail)
	if err != nil {
		return err
	}
	row, _, err := a.sessionAccount(ctx, s)
	if err != nil {
		return err
	}
	if bytes.Equal(key, row.emailLookup) {
		return errs.E(errs.Invalid, MsgEmailSame)
	}
	if _, _, err := a.reauth(ctx, s, password); err != nil {
		return err
	}
	code, err := sixDigits()
	if err != nil {
		return errs.Wrap(err, "accounts: code")
	}
	payload, err := crypt.Seal(a.keys.email, []byte(email), ad(purposeEmail, row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: seal e-mail")
	}
	var ok bool
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if ok, err = a.hit(ctx, tx, scopeEmailChange, row.lookup, a.now()); err != nil || !ok {
			return err
		}
		expires := a.now().Add(a.lim.CodeTTL).Unix()
		if _, err := tx.ExecContext(ctx, sqlUpsertCode, row.id, purposeEmail, a.codeHash(row.id, purposeEmail, code), payload, expires); err != nil {
			return err
		}
		minutes := strconv.Itoa(int(a.lim.CodeTTL / time.Minute))
		return a.outbox.Enqueue(ctx, tx, a.message(email, row.lang, MailEmailCodeSubject, MailEmailCodeBody,
			map[string]string{"Code": code, "Minutes": minutes}))
	})
	if err != nil {
		return errs.Pass(err, "accounts: request e-mail change")
	}
	if !ok {
		return errs.E(errs.RateLimited, MsgTooManyAttempts)
	}
	a.outbox.Wake()
	return nil
}

// ConfirmEmailChange makes the address waiting for code the account's address
// and tells the old address. A wrong code counts; the fifth wrong try, or the
// end of Limits.CodeTTL, kills the code.
func (a *Accounts) ConfirmEmailChange(ctx context.Context, s *Session, code string) error {
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return err
	}
	var hash, payload []byte
	var tries, expires int64
	err = a.db.Read.QueryRowContext(ctx, sqlCode, row.id, purposeEmail).Scan(&hash, &payload, &tries, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.Invalid, MsgCodeWrong)
	}
	if err != nil {
		return errs.Wrap(err, "accounts: load code")
	}
	code = strings.TrimSpace(code)
	if expires <= a.unix() || tries >= 5 || !hmac.Equal(hash, a.codeHash(row.id, purposeEmail, code)) {
		q := sqlCodeTry
		if expires <= a.unix() || tries+1 >= 5 {
			q = sqlDeleteCode
		}
		if _, err := a.db.Write.ExecContext(ctx, q, row.id, purposeEmail); err != nil {
			return errs.Wrap(err, "accounts: count code try")
		}
		return errs.E(errs.Invalid, MsgCodeWrong)
	}
	newEmail, err := crypt.Open(a.keys.email, payload, ad(purposeEmail, row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: open e-mail")
	}
	email, key, err := a.cleanEmail(string(newEmail))
	if err != nil {
		return err
	}
	sealed, err := crypt.Seal(a.keys.email, []byte(email), ad("email", row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: seal e-mail")
	}
	_, old, err := a.person(row, dk)
	if err != nil {
		return err
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlDeleteCode, row.id, purposeEmail)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Invalid, MsgCodeWrong) // used by a concurrent request
		}
		if _, err := tx.ExecContext(ctx, sqlSetEmail, row.id, key, sealed, a.unix()); err != nil {
			return err
		}
		return a.outbox.Enqueue(ctx, tx, a.message(old, row.lang, MailEmailChangedSubject, MailEmailChangedBody, nil))
	})
	if err != nil {
		return errs.Pass(err, "accounts: change e-mail")
	}
	a.outbox.Wake()
	a.log.Info("accounts: e-mail address changed", "account", row.id)
	return nil
}

func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func (a *Accounts) codeHash(id int64, purpose, code string) []byte {
	return crypt.KeyedHash(a.keys.code, strconv.FormatInt(id, 10), purpose, code)
}

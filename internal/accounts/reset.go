package accounts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// Reset Account, for a lost password or a compromised account. Control of the
// e-mail address on file is proven by a six-digit code, valid Limits.CodeTTL,
// bound to one reset flow (a random id the pages carry in a hidden field) and
// dead after five wrong tries of that flow. Then the account gets a new
// password and phrase under a NEW random data key: whatever was sealed under
// the old one (the name, the TOTP secret, other rooms' keys wrapped with
// WrapForAccount) can no longer be opened. The name is typed again; two-step
// verification, its recovery codes and the recovery record are turned off;
// every session ends; the address on file is told.
//
// Nothing in the answers tells whether a usercode exists or matches the
// address: StartReset returns a flow id either way, and only sends a code
// when both match an active account; FinishReset counts the tries of a flow
// the same way for real and made-up flows.

// Message IDs of the reset errors.
const (
	MsgResetUnconfirmed = "accounts.reset.unconfirmed" // invalid: the "data under the old key is gone" box was not ticked
	MsgResetFlowDead    = "accounts.reset.flow_dead"   // invalid: five wrong codes (or an expired flow): start again
	MsgResetTooMany     = "accounts.reset.too_many"    // rate_limited: this address asked for too many codes
)

// Mail of the reset.
const (
	MailResetCodeSubject = "accounts.mail.reset_code.subject"
	MailResetCodeBody    = "accounts.mail.reset_code.body"
	MailResetDoneSubject = "accounts.mail.reset_done.subject"
	MailResetDoneBody    = "accounts.mail.reset_done.body"
)

const (
	purposeReset = "reset"
	// ResetCodeTries is how many codes one reset flow may try.
	ResetCodeTries = 5
	// resetsPerAccount: codes one account is sent per hour; above, none is
	// sent, silently (the page looks the same).
	resetsPerAccount = 3
	// resetsPerAddress: reset requests one client address may make per hour.
	resetsPerAddress = 10
	flowLen          = 26 // rand.Text(): 128 bits of base32
)

const (
	scopeResetAddress scope = "reset-address" // key: keyed hash of the client address
	scopeResetAccount scope = "reset-account" // key: the usercode's lookup hash (unknown usercodes too)
	scopeResetFlow    scope = "reset-flow"    // key: keyed hash of the flow id
)

func (a *Accounts) resetLimit(s scope) (limit, bool) {
	switch s {
	case scopeResetAddress:
		return limit{resetsPerAddress, time.Hour, time.Hour}, true
	case scopeResetAccount:
		return limit{resetsPerAccount, time.Hour, time.Hour}, true
	case scopeResetFlow:
		return limit{ResetCodeTries, a.lim.CodeTTL, a.lim.CodeTTL}, true
	}
	return limit{}, false
}

// ResetRequest is the first step of Reset Account.
type ResetRequest struct {
	Usercode string
	Email    string
	Addr     string // the client address, for its rate limit; never stored
}

// ValidFlow reports whether s has the shape of a reset flow id.
func ValidFlow(s string) bool {
	if len(s) != flowLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// StartReset mails a code when the usercode and the e-mail address belong to
// the same active account, and returns a new flow id in every case. A
// malformed usercode or address is an invalid error (public arithmetic, no
// lookup); too many requests from one address is rate_limited
// (MsgResetTooMany); beyond resetsPerAccount an hour, the account is sent
// nothing more, silently.
func (a *Accounts) StartReset(ctx context.Context, r ResetRequest) (string, error) {
	u, err := NormalizeUsercode(r.Usercode)
	if err != nil {
		return "", err
	}
	_, emailKey, err := a.cleanEmail(r.Email)
	if err != nil {
		return "", err
	}
	lookup := a.lookupOf(u)
	row, err := loadAccount(ctx, a.db.Read, sqlAccountByLookup, lookup)
	if err != nil {
		return "", errs.Wrap(err, "accounts: start reset")
	}
	match := row != nil && row.state == Active && hmac.Equal(row.emailLookup, emailKey)
	flow := rand.Text()
	code, err := sixDigits()
	if err != nil {
		return "", errs.Wrap(err, "accounts: code")
	}
	var addrOK, sent bool
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.now()
		var err error
		if addrOK, err = a.hit(ctx, tx, scopeResetAddress, a.addressKey(r.Addr), now); err != nil || !addrOK {
			return err
		}
		accountOK, err := a.hit(ctx, tx, scopeResetAccount, lookup, now)
		if err != nil || !accountOK || !match {
			return err
		}
		email, err := crypt.Open(a.keys.email, row.emailSealed, ad("email", row.id))
		if err != nil {
			return err
		}
		expires := now.Add(a.lim.CodeTTL).Unix()
		if _, err := tx.ExecContext(ctx, sqlUpsertCode, row.id, purposeReset, a.resetCodeHash(row.id, flow, code), []byte{}, expires); err != nil {
			return err
		}
		sent = true
		minutes := strconv.Itoa(int(a.lim.CodeTTL / time.Minute))
		return a.outbox.Enqueue(ctx, tx, a.message(string(email), row.lang, MailResetCodeSubject, MailResetCodeBody,
			map[string]string{"Code": code, "Minutes": minutes}))
	})
	if err != nil {
		return "", errs.Pass(err, "accounts: start reset")
	}
	if !addrOK {
		return "", errs.E(errs.RateLimited, MsgResetTooMany)
	}
	if sent {
		a.outbox.Wake()
		a.log.Info("accounts: reset code sent", "account", row.id)
	}
	return flow, nil
}

// resetCodeHash binds a reset code to its account and its flow.
func (a *Accounts) resetCodeHash(id int64, flow, code string) []byte {
	return a.codeHash(id, purposeReset, flow+"|"+code)
}

func (a *Accounts) flowKey(flow string) []byte {
	return crypt.KeyedHash(a.keys.code, "reset-flow", flow)
}

// ResetFinish is the second step of Reset Account: the mailed code and the
// new credentials.
type ResetFinish struct {
	Usercode  string
	Flow      string
	Code      string
	Name      string // typed again: the old one was sealed under the old key
	Password  string
	Phrase    string
	Confirmed bool // the user ticked "data under the old key will be gone"
	Addr      string
}

// FinishReset checks the code of the flow and resets the account. Every
// refusal before the code is checked (bad name, phrase, password, no
// confirmation) depends only on what was typed; a wrong code (or an unknown
// usercode, a flow that never sent one, an expired code) is MsgCodeWrong; the
// fifth wrong try of a flow and any try after it are MsgResetFlowDead.
func (a *Accounts) FinishReset(ctx context.Context, f ResetFinish) error {
	u, err := NormalizeUsercode(f.Usercode)
	if err != nil {
		return err
	}
	name, err := cleanName(f.Name)
	if err != nil {
		return err
	}
	phrase, err := cleanPhrase(f.Phrase)
	if err != nil {
		return err
	}
	if err := CheckPassword(f.Password, string(u), u.Display(), name); err != nil {
		return err
	}
	if !f.Confirmed {
		return errs.E(errs.Invalid, MsgResetUnconfirmed)
	}
	if !ValidFlow(f.Flow) {
		return errs.E(errs.Invalid, MsgCodeWrong)
	}
	flowKey := a.flowKey(f.Flow)
	var ok bool
	var tries int64
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if ok, err = a.hit(ctx, tx, scopeResetFlow, flowKey, a.now()); err != nil || !ok {
			return err
		}
		var start, locked int64
		return tx.QueryRowContext(ctx, sqlLimit, string(scopeResetFlow), flowKey).Scan(&start, &tries, &locked)
	})
	if err != nil {
		return errs.Pass(err, "accounts: count reset try")
	}
	if !ok {
		return errs.E(errs.Invalid, MsgResetFlowDead)
	}
	row, err := loadAccount(ctx, a.db.Read, sqlAccountByLookup, a.lookupOf(u))
	if err != nil {
		return errs.Wrap(err, "accounts: finish reset")
	}
	right, found, err := a.checkResetCode(ctx, row, f.Flow, strings.TrimSpace(f.Code))
	if err != nil {
		return err
	}
	if !right {
		if found && tries >= ResetCodeTries {
			if _, err := a.db.Write.ExecContext(ctx, sqlDeleteCode, row.id, purposeReset); err != nil {
				return errs.Wrap(err, "accounts: end reset code")
			}
		}
		if tries >= ResetCodeTries {
			return errs.E(errs.Invalid, MsgResetFlowDead)
		}
		return errs.E(errs.Invalid, MsgCodeWrong)
	}
	email, err := crypt.Open(a.keys.email, row.emailSealed, ad("email", row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: open e-mail")
	}
	if err := CheckPassword(f.Password, string(u), u.Display(), name, string(email)); err != nil {
		// The code was right: this try does not count, the code stays.
		if gerr := a.giveBack(ctx, scopeResetFlow, flowKey); gerr != nil {
			return errs.Wrap(gerr, "accounts: give back try")
		}
		return err
	}
	err = a.replaceKeys(ctx, row, a.usercodeKeyOf(u), name, f.Password, phrase, string(email), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlDeleteCode, row.id, purposeReset)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Invalid, MsgCodeWrong) // used by a concurrent request
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := a.clear(ctx, scopeResetFlow, flowKey); err != nil {
		return errs.Wrap(err, "accounts: clear reset flow")
	}
	return nil
}

// checkResetCode compares code with the live reset code of row for flow.
// found reports whether row has a live reset code at all.
func (a *Accounts) checkResetCode(ctx context.Context, row *accountRow, flow, code string) (right, found bool, err error) {
	if row == nil || row.state != Active {
		return false, false, nil
	}
	var hash, payload []byte
	var tries, expires int64
	err = a.db.Read.QueryRowContext(ctx, sqlCode, row.id, purposeReset).Scan(&hash, &payload, &tries, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	if err != nil {
		return false, false, errs.Wrap(err, "accounts: load reset code")
	}
	if expires <= a.unix() {
		if _, err := a.db.Write.ExecContext(ctx, sqlDeleteCode, row.id, purposeReset); err != nil {
			return false, false, errs.Wrap(err, "accounts: end reset code")
		}
		return false, false, nil
	}
	return hmac.Equal(hash, a.resetCodeHash(row.id, flow, code)), true, nil
}

// SignedInReset is "my account may be compromised": the reset in one step
// from My account, after the current password.
type SignedInReset struct {
	Current   string
	Name      string
	Password  string
	Phrase    string
	Confirmed bool
}

// ResetSignedIn resets the signed-in account after checking its current
// password: the same as a reset by e-mail code, the current session ending
// with all the others.
func (a *Accounts) ResetSignedIn(ctx context.Context, s *Session, r SignedInReset) error {
	name, err := cleanName(r.Name)
	if err != nil {
		return err
	}
	phrase, err := cleanPhrase(r.Phrase)
	if err != nil {
		return err
	}
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return err
	}
	_, email, err := a.person(row, dk)
	if err != nil {
		return err
	}
	if err := CheckPassword(r.Password, name, email); err != nil {
		return err
	}
	if !r.Confirmed {
		return errs.E(errs.Invalid, MsgResetUnconfirmed)
	}
	row, dk, err = a.reauth(ctx, s, r.Current)
	if err != nil {
		return err
	}
	ucKey, err := crypt.UnwrapKey(dk, row.usercodeKeyWrapped, ad("usercode-key", row.id))
	if err != nil {
		return errs.Wrap(err, "accounts: unwrap usercode key")
	}
	return a.replaceKeys(ctx, row, ucKey, name, r.Password, phrase, email, nil)
}

// replaceKeys gives row a new random data key, wrapped under the new
// password, with the name and phrase sealed again; turns off what the old key
// sealed (TOTP and its recovery codes) and the recovery record; ends every
// session; lifts a login lock on the usercode; and tells the address on file.
// inTx, when set, runs first in the same transaction.
func (a *Accounts) replaceKeys(ctx context.Context, row *accountRow, ucKey []byte, name, password, phrase, email string, inTx func(*sql.Tx) error) error {
	dk := crypt.NewKey()
	creds, err := a.newCredentials(ctx, row.id, password, dk)
	if err != nil {
		return err
	}
	sealedName, err1 := crypt.Seal(dk, []byte(name), ad("name", row.id))
	sealedPhrase, err2 := crypt.Seal(ucKey, []byte(phrase), ad("phrase", row.id))
	wrappedUC, err3 := crypt.WrapKey(dk, ucKey, ad("usercode-key", row.id))
	if err := firstErr(err1, err2, err3); err != nil {
		return errs.Wrap(err, "accounts: seal")
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		if inTx != nil {
			if err := inTx(tx); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, sqlResetKeys, row.id, sealedName, creds.params, creds.verifier,
			creds.dataKeyWrapped, sealedPhrase, wrappedUC, a.unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Invalid, MsgCodeWrong) // no longer active
		}
		for _, q := range []string{sqlClearRecovery, sqlDeleteRecord, sqlEndAll} {
			if _, err := tx.ExecContext(ctx, q, row.id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, sqlClearLimit, string(scopeUsercode), row.lookup); err != nil {
			return err
		}
		return a.outbox.Enqueue(ctx, tx, a.message(email, row.lang, MailResetDoneSubject, MailResetDoneBody, nil))
	})
	if err != nil {
		return errs.Pass(err, "accounts: reset")
	}
	a.outbox.Wake()
	a.log.Info("accounts: reset: new data key, every session ended", "account", row.id)
	a.secondFactorChanged() // a reset turns the second factor off
	return nil
}

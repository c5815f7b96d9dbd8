package accounts

import (
	"bytes"
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

// A lost usercode. The usercode is never stored: an account is found by a
// keyed hash of it (lookup), and its phrase (and the recovery record's
// method) are sealed under a key derived from it. Proving the registered
// e-mail address issues a new usercode:
//
//  1. RequestUsercode: the address. When active accounts are registered with
//     it, one mail carries a six-digit code bound to a random flow id (the
//     page's hidden field), valid Limits.CodeTTL. The answer is the same flow
//     page for any address, after the same floor of time
//     (Limits.UsercodeFloor), so neither the page nor its timing tells
//     whether the address is known. Rate limited per client address
//     (an error the visitor sees) and per e-mail address (silently: nothing
//     more is sent).
//  2. FinishUsercode: the address again and the code. Each active account
//     registered with the address that holds this flow's code gets a new
//     usercode: its lookup hash is replaced (the old usercode stops working
//     at once), its sessions end, its login lock is lifted, and the address
//     is told. The new usercodes are shown once on the page.
//
// What derives from the usercode cannot be re-sealed here: without the
// password there is no data key, and the old usercode is unknown. The
// account's usercode key stays wrapped under its data key; the next
// successful password (Step2) unwraps it, sees it differs from the new
// usercode's key, re-seals the phrase and the recovery method under the new
// key and wraps that one instead. Until then step 1 says "new usercode" in
// place of the phrase, which only the new usercode's holder can see.

// Message IDs of a usercode request.
const (
	MsgUsercodeTooMany  = "accounts.usercode.too_many"  // rate_limited: this client address asked too often
	MsgUsercodeFlowDead = "accounts.usercode.flow_dead" // invalid: five wrong codes or an expired flow
)

// Mail of a usercode request (English fallbacks below).
const (
	MailUsercodeCodeSubject = "accounts.mail.usercode_code.subject"
	MailUsercodeCodeBody    = "accounts.mail.usercode_code.body"
	MailUsercodeDoneSubject = "accounts.mail.usercode_done.subject"
	MailUsercodeDoneBody    = "accounts.mail.usercode_done.body"
)

const (
	purposeUsercode = "usercode"
	// usercodesPerAddress: requests one client address may make per hour.
	usercodesPerAddress = 10
	// usercodesPerEmail: codes one e-mail address is sent per hour.
	usercodesPerEmail = 3
	// usercodeAccountsMax: accounts one address may renew at once.
	usercodeAccountsMax = 10
)

const (
	scopeUsercodeAddress scope = "usercode-address" // key: keyed hash of the client address
	scopeUsercodeEmail   scope = "usercode-email"   // key: the e-mail lookup hash
	scopeUsercodeFlow    scope = "usercode-flow"    // key: keyed hash of the flow id
)

func (a *Accounts) usercodeLimit(s scope) (limit, bool) {
	switch s {
	case scopeUsercodeAddress:
		return limit{usercodesPerAddress, time.Hour, time.Hour}, true
	case scopeUsercodeEmail:
		return limit{usercodesPerEmail, time.Hour, time.Hour}, true
	case scopeUsercodeFlow:
		return limit{ResetCodeTries, a.lim.CodeTTL, a.lim.CodeTTL}, true
	}
	return limit{}, false
}

// UsercodeRequest is the first step: the registered e-mail address.
type UsercodeRequest struct {
	Email string
	Addr  string // the client address, for its rate limit; never stored
}

// UsercodeFinish is the second step: the address again and the mailed code.
type UsercodeFinish struct {
	Email string
	Flow  string
	Code  string
}

// IssuedUsercode is a new usercode, with when its account was registered
// (to tell several accounts of one address apart).
type IssuedUsercode struct {
	Usercode     Usercode
	RegisteredAt time.Time
}

type emailAccount struct {
	id          int64
	lang        string
	emailSealed []byte
	lookup      []byte
	createdAt   int64
}

func activeByEmail(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, emailKey []byte) ([]emailAccount, error) {
	rows, err := q.QueryContext(ctx, sqlActiveByEmail, emailKey, usercodeAccountsMax)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []emailAccount
	for rows.Next() {
		var r emailAccount
		if err := rows.Scan(&r.id, &r.lang, &r.emailSealed, &r.lookup, &r.createdAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (a *Accounts) usercodeCodeHash(id int64, flow, code string) []byte {
	return a.codeHash(id, purposeUsercode, flow+"|"+code)
}

func (a *Accounts) usercodeFlowKey(flow string) []byte {
	return crypt.KeyedHash(a.keys.code, "usercode-flow", flow)
}

// RequestUsercode mails a code when active accounts are registered with the
// address, and returns a new flow id in every case, no sooner than
// Limits.UsercodeFloor after it began. A malformed address is an invalid
// error; too many requests from one client address is rate_limited
// (MsgUsercodeTooMany); beyond usercodesPerEmail an hour the address is sent
// nothing more, silently.
func (a *Accounts) RequestUsercode(ctx context.Context, r UsercodeRequest) (string, error) {
	if a.lim.UsercodeFloor > 0 {
		defer sleepUntil(time.Now().Add(a.lim.UsercodeFloor))
	}
	_, emailKey, err := a.cleanEmail(r.Email)
	if err != nil {
		return "", err
	}
	flow := rand.Text()
	code, err := sixDigits()
	if err != nil {
		return "", errs.Wrap(err, "accounts: code")
	}
	var addrOK bool
	var sent []int64
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.now()
		var err error
		if addrOK, err = a.hit(ctx, tx, scopeUsercodeAddress, a.addressKey(r.Addr), now); err != nil || !addrOK {
			return err
		}
		list, err := activeByEmail(ctx, tx, emailKey)
		if err != nil || len(list) == 0 {
			return err
		}
		if ok, err := a.hit(ctx, tx, scopeUsercodeEmail, emailKey, now); err != nil || !ok {
			return err
		}
		expires := now.Add(a.lim.CodeTTL).Unix()
		for _, acc := range list {
			if _, err := tx.ExecContext(ctx, sqlUpsertCode, acc.id, purposeUsercode, a.usercodeCodeHash(acc.id, flow, code), []byte{}, expires); err != nil {
				return err
			}
			sent = append(sent, acc.id)
		}
		email, err := crypt.Open(a.keys.email, list[0].emailSealed, ad("email", list[0].id))
		if err != nil {
			return err
		}
		minutes := strconv.Itoa(int(a.lim.CodeTTL / time.Minute))
		return a.outbox.Enqueue(ctx, tx, a.message(string(email), list[0].lang, MailUsercodeCodeSubject, MailUsercodeCodeBody,
			map[string]string{"Code": code, "Minutes": minutes}))
	})
	if err != nil {
		return "", errs.Pass(err, "accounts: request usercode")
	}
	if !addrOK {
		return "", errs.E(errs.RateLimited, MsgUsercodeTooMany)
	}
	if len(sent) > 0 {
		a.outbox.Wake()
		a.log.Info("accounts: new-usercode code sent", "accounts", len(sent))
	}
	return flow, nil
}

// FinishUsercode checks the code of the flow and gives every account of the
// address holding it a new usercode. A wrong code (or an unknown address, a
// flow that never sent one, an expired code) is MsgCodeWrong; the fifth wrong
// try of a flow and any try after it are MsgUsercodeFlowDead.
func (a *Accounts) FinishUsercode(ctx context.Context, f UsercodeFinish) ([]IssuedUsercode, error) {
	_, emailKey, err := a.cleanEmail(f.Email)
	if err != nil {
		return nil, err
	}
	if !ValidFlow(f.Flow) {
		return nil, errs.E(errs.Invalid, MsgCodeWrong)
	}
	flowKey := a.usercodeFlowKey(f.Flow)
	code := strings.TrimSpace(f.Code)
	var ok bool
	var issued []IssuedUsercode
	var told []emailAccount
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.now()
		var err error
		if ok, err = a.hit(ctx, tx, scopeUsercodeFlow, flowKey, now); err != nil || !ok {
			return err
		}
		list, err := activeByEmail(ctx, tx, emailKey)
		if err != nil {
			return err
		}
		for _, acc := range list {
			var hash, payload []byte
			var tries, expires int64
			err := tx.QueryRowContext(ctx, sqlCode, acc.id, purposeUsercode).Scan(&hash, &payload, &tries, &expires)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			if expires <= now.Unix() || !hmac.Equal(hash, a.usercodeCodeHash(acc.id, f.Flow, code)) {
				continue
			}
			u, err := a.freshUsercode(ctx, tx)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, sqlReplaceLookup, acc.id, a.lookupOf(u), acc.lookup, now.Unix())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue
			}
			for _, q := range []string{sqlEndAll} {
				if _, err := tx.ExecContext(ctx, q, acc.id); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, sqlDeleteCode, acc.id, purposeUsercode); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlClearLimit, string(scopeUsercode), acc.lookup); err != nil {
				return err
			}
			issued = append(issued, IssuedUsercode{Usercode: u, RegisteredAt: time.Unix(acc.createdAt, 0)})
			told = append(told, acc)
		}
		if len(told) > 0 {
			email, err := crypt.Open(a.keys.email, told[0].emailSealed, ad("email", told[0].id))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlClearLimit, string(scopeUsercodeFlow), flowKey); err != nil {
				return err
			}
			return a.outbox.Enqueue(ctx, tx, a.message(string(email), told[0].lang, MailUsercodeDoneSubject, MailUsercodeDoneBody, nil))
		}
		return nil
	})
	if err != nil {
		return nil, errs.Pass(err, "accounts: new usercode")
	}
	if !ok {
		return nil, errs.E(errs.Invalid, MsgUsercodeFlowDead)
	}
	if len(issued) == 0 {
		return nil, errs.E(errs.Invalid, MsgCodeWrong)
	}
	a.outbox.Wake()
	for _, acc := range told {
		a.log.Info("accounts: new usercode issued; sessions ended", "account", acc.id)
	}
	return issued, nil
}

// freshUsercode draws a usercode no account uses.
func (a *Accounts) freshUsercode(ctx context.Context, tx *sql.Tx) (Usercode, error) {
	for {
		u := NewUsercode()
		row, err := loadAccount(ctx, tx, sqlAccountByLookup, a.lookupOf(u))
		if err != nil {
			return "", err
		}
		if row == nil {
			return u, nil
		}
	}
}

// rekey finishes a usercode change at the first password after it: what was
// sealed under the old usercode's key (the phrase, the recovery method) is
// sealed again under the new one's, which the data key then wraps. Nothing
// happens when the key already matches. A failure is logged: the login goes
// on, and the next one tries again.
func (a *Accounts) rekey(ctx context.Context, row *accountRow, u Usercode, dk []byte) {
	newKey := a.usercodeKeyOf(u)
	oldKey, err := crypt.UnwrapKey(dk, row.usercodeKeyWrapped, ad("usercode-key", row.id))
	if err == nil && bytes.Equal(oldKey, newKey) {
		return
	}
	err = func() error {
		if err != nil {
			return err
		}
		phrase, err := crypt.Open(oldKey, row.phraseSealed, ad("phrase", row.id))
		if err != nil {
			return err
		}
		sealed, err1 := crypt.Seal(newKey, phrase, ad("phrase", row.id))
		wrapped, err2 := crypt.WrapKey(dk, newKey, ad("usercode-key", row.id))
		if err := firstErr(err1, err2); err != nil {
			return err
		}
		rec, err := a.loadRecovery(ctx, row.id)
		if err != nil {
			return err
		}
		var method []byte
		if rec != nil {
			m, err := crypt.Open(oldKey, rec.methodSealed, ad("recovery-method", row.id))
			if err != nil {
				return err
			}
			if method, err = crypt.Seal(newKey, m, ad("recovery-method", row.id)); err != nil {
				return err
			}
		}
		return a.db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, sqlSetUsercodeKeys, row.id, sealed, wrapped); err != nil {
				return err
			}
			if method != nil {
				_, err = tx.ExecContext(ctx, sqlSetRecoveryMethod, row.id, method)
			}
			return err
		})
	}()
	if err != nil {
		a.log.Error("accounts: re-seal under the new usercode", "account", row.id, "err", err)
		return
	}
	a.log.Info("accounts: phrase re-sealed under the new usercode", "account", row.id)
}

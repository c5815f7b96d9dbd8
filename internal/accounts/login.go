package accounts

import (
	"context"
	"database/sql"
	"time"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// Challenge is what step 1 of the login shows after the usercode.
type Challenge struct {
	// Phrase is the account's anti-phishing phrase, or for a usercode without
	// an account a decoy from the suggestion set, chosen by a keyed hash of the
	// usercode: the same on every visit and after restarts.
	Phrase string
	// FirstLogin: the usercode belongs to a pending account, whose first login
	// sets password and phrase (Activate). Only the holder of the e-mailed
	// usercode can see this, and 60 random bits cannot be guessed.
	FirstLogin bool
	// NewUsercode: the usercode was issued for a lost one (newusercode.go) and
	// the phrase, still sealed under the old one, shows again after the next
	// password. Only the holder of the new usercode can see this.
	NewUsercode bool
}

// Credentials are what step 2 of the login sends.
type Credentials struct {
	Usercode  string
	Password  string
	Addr      string // the client address, for its rate limit; never stored
	Label     string // names the session in the sessions list (the pages store "Firefox|Linux", never a raw User-Agent)
	PrevToken string // a session token the client already had: ended (renewal on login)
}

// FirstLogin is the first login of a pending account.
type FirstLogin struct {
	Credentials
	Phrase string
}

// Login is a successful password step.
type Login struct {
	Token string // the new session's token: a 1-Click cookie or a hidden form field
	// SecondFactor: the token only opens the second-factor step (SecondFactor);
	// it ends after Limits.SecondFactorTTL.
	SecondFactor bool
	AccountID    int64
	Role         Role
	Lang         string
	ExpiresAt    time.Time
}

func errLoginFailed() error { return errs.E(errs.Forbidden, MsgLoginFailed) }

func (a *Accounts) pendingExpired(row *accountRow) bool {
	return row.createdAt <= a.now().Add(-a.lim.PendingLifetime).Unix()
}

// Step1 returns what the login shows after the usercode. Known and unknown
// usercodes give the same shape; only a malformed usercode (wrong length or
// check character, public arithmetic) is an error.
//
// Both paths do the same work, so that timing does not tell them apart: one
// lookup query that returns a row either way (a stand-in row when there is no
// account), the usercode key derived, the decoy computed, and one sealed
// phrase of the same size opened (the account's under the usercode key, or a
// stand-in sealed at start-up). See docs/SECURITY.md, "Login step 1".
func (a *Accounts) Step1(ctx context.Context, usercode string) (Challenge, error) {
	if a.lim.Step1Floor > 0 {
		// Real time, not the injected clock: this is about what a client measures.
		defer sleepUntil(time.Now().Add(a.lim.Step1Floor))
	}
	u, err := NormalizeUsercode(usercode)
	if err != nil {
		return Challenge{}, err
	}
	row, err := a.loadForStep1(ctx, a.lookupOf(u))
	if err != nil {
		return Challenge{}, errs.Wrap(err, "accounts: step 1")
	}
	ucKey := a.usercodeKeyOf(u)
	decoy := a.decoyPhrase(u)
	known := row.id != 0 && !(row.state == Pending && a.pendingExpired(row))
	key, sealed, id := a.standIn.key, a.standIn.sealed, int64(0)
	if known && row.state != Pending {
		key, sealed, id = ucKey, row.phraseSealed, row.id
	}
	p, openErr := crypt.Open(key, sealed, ad("phrase", id))
	phrase := string(p) // the same allocation on both paths
	switch {
	case !known:
		return Challenge{Phrase: decoy}, nil
	case row.state == Pending:
		return Challenge{FirstLogin: true}, nil
	case openErr != nil:
		return Challenge{NewUsercode: true}, nil
	}
	return Challenge{Phrase: phrase}, nil
}

// sleepUntil waits until t (not at all when t has passed).
func sleepUntil(t time.Time) {
	if d := time.Until(t); d > 0 {
		time.Sleep(d)
	}
}

// countLogin counts one login attempt for the client address and, when the
// address is within its limit, for the usercode. It runs before the password
// is checked.
func (a *Accounts) countLogin(ctx context.Context, lookup, addrKey []byte) (addrOK, usercodeOK bool, err error) {
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		now := a.now()
		var err error
		if addrOK, err = a.hit(ctx, tx, scopeAddress, addrKey, now); err != nil || !addrOK {
			return err
		}
		usercodeOK, err = a.hit(ctx, tx, scopeUsercode, lookup, now)
		return err
	})
	return addrOK, usercodeOK, errs.Pass(err, "accounts: count attempt")
}

// attempt opens every password attempt the same way, so the login paths
// cannot drift apart: the attempt is counted for the usercode and the address
// before anything is checked, a limited address is refused, and the account
// (nil when unknown) is loaded. usercodeOK is false while the usercode is
// locked; the caller still does the same hashing work either way.
func (a *Accounts) attempt(ctx context.Context, u Usercode, addr, what string) (lookup, addrKey []byte, usercodeOK bool, row *accountRow, err error) {
	lookup, addrKey = a.lookupOf(u), a.addressKey(addr)
	addrOK, usercodeOK, err := a.countLogin(ctx, lookup, addrKey)
	if err != nil {
		return nil, nil, false, nil, err
	}
	if !addrOK {
		return nil, nil, false, nil, errs.E(errs.RateLimited, MsgTooManyAttempts)
	}
	row, err = loadAccount(ctx, a.db.Read, sqlAccountByLookup, lookup)
	if err != nil {
		return nil, nil, false, nil, errs.Wrap(err, what)
	}
	return lookup, addrKey, usercodeOK, row, nil
}

// Step2 checks the password. A wrong password, an unknown usercode, a pending
// account and a locked usercode all give the same forbidden error
// (MsgLoginFailed) after the same work: one Argon2id hash, on a salt derived
// from the usercode when there is no real one. The attempt is counted first;
// after Limits.UsercodeFailures failures in Limits.Window the usercode is
// refused for Limits.Lock, the right password included. Too many attempts from
// one address is a rate_limited error (MsgTooManyAttempts), whatever the
// usercode. A right password on a suspended account gives MsgSuspended.
func (a *Accounts) Step2(ctx context.Context, c Credentials) (*Login, error) {
	u, err := NormalizeUsercode(c.Usercode)
	if err != nil {
		return nil, err
	}
	lookup, addrKey, usercodeOK, row, err := a.attempt(ctx, u, c.Addr, "accounts: step 2")
	if err != nil {
		return nil, err
	}
	usable := usercodeOK && row != nil && (row.state == Active || row.state == Suspended)
	dk, stale, err := a.verifyPassword(ctx, row, lookup, c.Password, usable)
	if err != nil {
		return nil, err
	}
	if dk == nil {
		return nil, errLoginFailed()
	}
	// The password is right: this attempt does not count.
	if err := a.clear(ctx, scopeUsercode, lookup); err != nil {
		return nil, errs.Wrap(err, "accounts: clear counter")
	}
	if err := a.giveBack(ctx, scopeAddress, addrKey); err != nil {
		return nil, errs.Wrap(err, "accounts: give back attempt")
	}
	if row.state == Suspended {
		return nil, errs.E(errs.Forbidden, MsgSuspended)
	}
	if stale {
		a.rehash(ctx, row, c.Password, dk)
	}
	a.rekey(ctx, row, u, dk) // after a new usercode: re-seal what derives from it
	second := row.totpSealed != nil
	stage, ttl := stageFull, a.lim.AbsoluteTimeout
	if second {
		stage, ttl = stage2FA, a.lim.SecondFactorTTL
	}
	now := a.now()
	var n newSession
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = a.createSession(ctx, tx, c.PrevToken, row.id, dk, stage, c.Label, now, now.Add(ttl)); err != nil || second {
			return err
		}
		return a.recordSignIn(ctx, tx, row.id, now)
	})
	if err != nil {
		return nil, errs.Pass(err, "accounts: create session")
	}
	a.log.Info("accounts: password accepted", "account", row.id, "second_factor", second)
	return &Login{Token: n.token, SecondFactor: second, AccountID: row.id, Role: row.role, Lang: row.lang,
		ExpiresAt: now.Add(ttl)}, nil
}

// rehash stores the password again at today's cost (after the defaults grew).
// A failure only means the old hash stays; it is logged.
func (a *Accounts) rehash(ctx context.Context, row *accountRow, password string, dk []byte) {
	c, err := a.newCredentials(ctx, row.id, password, dk)
	if err == nil {
		_, err = a.db.Write.ExecContext(ctx, sqlSetPassword, row.id, c.params, c.verifier, c.dataKeyWrapped, a.unix())
	}
	if err != nil {
		a.log.Error("accounts: rehash password", "account", row.id, "err", err)
	}
}

// Activate is the first login of a pending account: the usercode proves the
// e-mail address; the user sets a password (CheckPassword) and a phrase. The
// account becomes active and the new session is signed in. An unknown,
// expired or already active usercode gives MsgLoginFailed after the same work.
func (a *Accounts) Activate(ctx context.Context, f FirstLogin) (*Login, error) {
	u, err := NormalizeUsercode(f.Usercode)
	if err != nil {
		return nil, err
	}
	phrase, err := cleanPhrase(f.Phrase)
	if err != nil {
		return nil, err
	}
	lookup, addrKey, usercodeOK, row, err := a.attempt(ctx, u, f.Addr, "accounts: activate")
	if err != nil {
		return nil, err
	}
	if !usercodeOK || row == nil || row.state != Pending || a.pendingExpired(row) {
		// The same Argon2id work as a real activation.
		if _, err := a.hasher.Hash(ctx, []byte(f.Password), a.dummyParams(lookup)); err != nil {
			return nil, errs.Wrap(err, "accounts: hash password")
		}
		return nil, errLoginFailed()
	}
	// The usercode is right: whatever follows, this attempt does not count.
	if err := a.clear(ctx, scopeUsercode, lookup); err != nil {
		return nil, errs.Wrap(err, "accounts: clear counter")
	}
	if err := a.giveBack(ctx, scopeAddress, addrKey); err != nil {
		return nil, errs.Wrap(err, "accounts: give back attempt")
	}
	ucKey := a.usercodeKeyOf(u)
	name, err := crypt.Open(ucKey, row.nameSealed, ad("pending-name", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: open pending name")
	}
	email, err := crypt.Open(a.keys.email, row.emailSealed, ad("email", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: open e-mail")
	}
	if err := CheckPassword(f.Password, string(u), u.Display(), string(name), string(email)); err != nil {
		return nil, err
	}

	dk := crypt.NewKey()
	creds, err := a.newCredentials(ctx, row.id, f.Password, dk)
	if err != nil {
		return nil, err
	}
	sealedName, err1 := crypt.Seal(dk, name, ad("name", row.id))
	sealedPhrase, err2 := crypt.Seal(ucKey, []byte(phrase), ad("phrase", row.id))
	wrappedUC, err3 := crypt.WrapKey(dk, ucKey, ad("usercode-key", row.id))
	if err := firstErr(err1, err2, err3); err != nil {
		return nil, errs.Wrap(err, "accounts: seal")
	}
	now := a.now()
	var n newSession
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlActivate, row.id, sealedName, creds.params, creds.verifier,
			creds.dataKeyWrapped, sealedPhrase, wrappedUC, now.Unix(), now.Add(-a.lim.PendingLifetime).Unix())
		if err != nil {
			return err
		}
		if done, _ := res.RowsAffected(); done != 1 {
			return errLoginFailed() // activated meanwhile by a concurrent request
		}
		if n, err = a.createSession(ctx, tx, f.PrevToken, row.id, dk, stageFull, f.Label, now, now.Add(a.lim.AbsoluteTimeout)); err != nil {
			return err
		}
		return a.recordSignIn(ctx, tx, row.id, now)
	})
	if err != nil {
		return nil, errs.Pass(err, "accounts: activate")
	}
	a.log.Info("accounts: activated", "account", row.id, "role", row.role)
	return &Login{Token: n.token, AccountID: row.id, Role: row.role, Lang: row.lang,
		ExpiresAt: now.Add(a.lim.AbsoluteTimeout)}, nil
}

func firstErr(errors ...error) error {
	for _, err := range errors {
		if err != nil {
			return err
		}
	}
	return nil
}

package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"strconv"
	"strings"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
	"zerodesk/internal/store"
)

// The optional second factor: TOTP (RFC 6238: SHA-1, 6 digits, 30 s, as every
// authenticator app expects) with pquerna/otp generating the secret, the
// otpauth:// URI and its QR code. Its Validate accepts a code again and again
// within its window, so validation is ours: the code of a step is accepted only
// if that step is later than the last accepted one (±1 step for clock drift),
// which makes every code single-use. The TOTP secret is sealed under the data
// key, so it needs the password to open, never only the database and secret.
//
// Recovery codes: 10 random codes of 10 Crockford characters (50 bits),
// shown once, stored as keyed hashes, each deleted when used.

const (
	totpPeriod        = 30
	recoveryCodeCount = 10
	recoveryCodeLen   = 10
)

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPSetup is what the set-up page shows.
type TOTPSetup struct {
	Secret string // base32, to type into an app
	URL    string // the otpauth:// URI the page's QR code holds
}

// BeginTOTP starts the set-up of a second factor after checking the password
// (ASVS 7.5.1): a new secret, kept pending until ConfirmTOTP proves the app
// has it.
func (a *Accounts) BeginTOTP(ctx context.Context, s *Session, password string) (*TOTPSetup, error) {
	row, dk, err := a.reauth(ctx, s, password)
	if err != nil {
		return nil, err
	}
	if row.totpSealed != nil {
		return nil, errs.E(errs.Conflict, MsgTOTPAlreadyOn)
	}
	name, err := crypt.Open(dk, row.nameSealed, ad("name", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: open name")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: a.opts.Issuer, AccountName: string(name), Period: totpPeriod})
	if err != nil {
		return nil, errs.Wrap(err, "accounts: generate totp")
	}
	sealed, err := crypt.Seal(dk, []byte(key.Secret()), ad("totp-pending", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: seal totp")
	}
	if _, err := a.db.Write.ExecContext(ctx, sqlSetTOTPPend, row.id, sealed, a.unix()); err != nil {
		return nil, errs.Wrap(err, "accounts: begin totp")
	}
	return a.totpSetup(key.Secret(), string(name))
}

// ConfirmTOTP turns the second factor on when code matches the pending secret,
// and returns the recovery codes to show once.
func (a *Accounts) ConfirmTOTP(ctx context.Context, s *Session, code string) ([]string, error) {
	row, dk, err := a.sessionAccount(ctx, s)
	if err != nil {
		return nil, err
	}
	if row.totpSealed != nil {
		return nil, errs.E(errs.Conflict, MsgTOTPAlreadyOn)
	}
	if row.totpPendingSealed == nil {
		return nil, errs.E(errs.Conflict, MsgTOTPNotStarted)
	}
	secret, err := crypt.Open(dk, row.totpPendingSealed, ad("totp-pending", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: open totp")
	}
	step, ok := a.matchTOTP(string(secret), code, 0)
	if !ok {
		return nil, errs.E(errs.Invalid, MsgSecondFactorWrong)
	}
	sealed, err := crypt.Seal(dk, secret, ad("totp", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: seal totp")
	}
	codes := newRecoveryCodes()
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, sqlEnableTOTP, row.id, sealed, step, a.unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, MsgTOTPAlreadyOn)
		}
		return a.storeRecoveryCodes(ctx, tx, row.id, codes)
	})
	if err != nil {
		return nil, errs.Pass(err, "accounts: enable totp")
	}
	a.log.Info("accounts: second factor enabled", "account", row.id)
	a.secondFactorChanged()
	return codes, nil
}

// DisableTOTP turns the second factor off (the password is asked again).
func (a *Accounts) DisableTOTP(ctx context.Context, s *Session, password string) error {
	row, _, err := a.reauth(ctx, s, password)
	if err != nil {
		return err
	}
	if row.totpSealed == nil {
		return errs.E(errs.Conflict, MsgTOTPOff)
	}
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, sqlDisableTOTP, row.id, a.unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, sqlClearRecovery, row.id)
		return err
	})
	if err != nil {
		return errs.Pass(err, "accounts: disable totp")
	}
	a.log.Info("accounts: second factor disabled", "account", row.id)
	a.secondFactorChanged()
	return nil
}

// NewRecoveryCodes replaces the recovery codes (the password is asked again).
func (a *Accounts) NewRecoveryCodes(ctx context.Context, s *Session, password string) ([]string, error) {
	row, _, err := a.reauth(ctx, s, password)
	if err != nil {
		return nil, err
	}
	if row.totpSealed == nil {
		return nil, errs.E(errs.Conflict, MsgTOTPOff)
	}
	codes := newRecoveryCodes()
	err = a.db.Tx(ctx, func(tx *sql.Tx) error { return a.storeRecoveryCodes(ctx, tx, row.id, codes) })
	return codes, errs.Pass(err, "accounts: new recovery codes")
}

// SecondFactor completes a login whose password step asked for one: code is a
// TOTP code or a recovery code. Each attempt counts against the usercode like
// a password (so a known password does not buy unlimited guesses); after
// Limits.SecondFactorTry wrong codes, or when the usercode locks, the half-open
// session ends and MsgLoginFailed sends the user back to the start. On success
// the half-open token is replaced by a signed-in one.
func (a *Accounts) SecondFactor(ctx context.Context, token, code string) (*Login, error) {
	r, err := a.loadSession(ctx, token)
	if err != nil {
		return nil, err
	}
	if r == nil || r.stage != stage2FA {
		return nil, errSessionExpired()
	}
	row, err := loadAccount(ctx, a.db.Read, sqlAccountByID, r.AccountID)
	if err != nil || row == nil {
		return nil, errs.Wrap(err, "accounts: second factor")
	}
	var ok bool
	err = a.db.Tx(ctx, func(tx *sql.Tx) (err error) {
		ok, err = a.hit(ctx, tx, scopeUsercode, row.lookup, a.now())
		if err == nil && !ok {
			_, err = tx.ExecContext(ctx, sqlDeleteSession, r.ID)
		}
		return err
	})
	if err != nil {
		return nil, errs.Pass(err, "accounts: count attempt")
	}
	if !ok {
		return nil, errLoginFailed()
	}
	dk, err := a.dataKey(&r.Session)
	if err != nil {
		return nil, err
	}
	good, err := a.checkSecondFactor(ctx, row, dk, code)
	if err != nil {
		return nil, err
	}
	if !good {
		var failures int
		if err := a.db.Write.QueryRowContext(ctx, sqlSessionFailure, r.ID).Scan(&failures); err != nil {
			return nil, errs.Wrap(err, "accounts: count failure")
		}
		if failures >= a.lim.SecondFactorTry {
			if _, err := a.db.Write.ExecContext(ctx, sqlDeleteSession, r.ID); err != nil {
				return nil, errs.Wrap(err, "accounts: end session")
			}
			return nil, errLoginFailed()
		}
		return nil, errs.E(errs.Invalid, MsgSecondFactorWrong)
	}
	if err := a.clear(ctx, scopeUsercode, row.lookup); err != nil {
		return nil, errs.Wrap(err, "accounts: clear counter")
	}
	now := a.now()
	var n newSession
	err = a.db.Tx(ctx, func(tx *sql.Tx) error {
		// scs's RenewToken: the half-open token ends, a signed-in one starts.
		var err error
		if n, err = a.startSession(store.WithTx(r.sctx, tx), tx, row.id, dk, stageFull, r.Label, now, now.Add(a.lim.AbsoluteTimeout)); err != nil {
			return err
		}
		return a.recordSignIn(ctx, tx, row.id, now)
	})
	if err != nil {
		return nil, errs.Pass(err, "accounts: create session")
	}
	a.log.Info("accounts: second factor accepted", "account", row.id)
	return &Login{Token: n.token, AccountID: row.id, Role: row.role, Lang: row.lang, ExpiresAt: now.Add(a.lim.AbsoluteTimeout)}, nil
}

// checkSecondFactor accepts a TOTP code once, or uses up a recovery code.
func (a *Accounts) checkSecondFactor(ctx context.Context, row *accountRow, dk []byte, code string) (bool, error) {
	if row.totpSealed == nil {
		return false, nil
	}
	code = strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) == 6 {
		secret, err := crypt.Open(dk, row.totpSealed, ad("totp", row.id))
		if err != nil {
			return false, errs.Wrap(err, "accounts: open totp")
		}
		step, ok := a.matchTOTP(string(secret), code, row.totpLastStep)
		if !ok {
			return false, nil
		}
		// Conditional on the stored step, so two concurrent requests with the
		// same code cannot both succeed.
		res, err := a.db.Write.ExecContext(ctx, sqlUseTOTPStep, row.id, step)
		if err != nil {
			return false, errs.Wrap(err, "accounts: use totp step")
		}
		n, _ := res.RowsAffected()
		return n == 1, nil
	}
	norm, ok := normalizeRecoveryCode(code)
	if !ok {
		return false, nil
	}
	res, err := a.db.Write.ExecContext(ctx, sqlUseRecovery, row.id, a.recoveryHash(row.id, norm))
	if err != nil {
		return false, errs.Wrap(err, "accounts: use recovery code")
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		a.log.Info("accounts: recovery code used", "account", row.id)
	}
	return n == 1, nil
}

// matchTOTP returns the time step whose code is code, trying the current step
// and one on either side, and only steps after last.
func (a *Accounts) matchTOTP(secret, code string, last int64) (int64, bool) {
	now := a.now().Unix() / totpPeriod
	for _, step := range []int64{now - 1, now, now + 1} {
		if step <= last {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(step), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

func newRecoveryCodes() []string {
	codes := make([]string, recoveryCodeCount)
	for i := range codes {
		var raw [recoveryCodeLen]byte
		if _, err := rand.Read(raw[:]); err != nil {
			panic(err)
		}
		var b strings.Builder
		for j, x := range raw {
			if j == recoveryCodeLen/2 {
				b.WriteByte('-')
			}
			b.WriteByte(crockford[x&31])
		}
		codes[i] = b.String()
	}
	return codes
}

// normalizeRecoveryCode reads a recovery code like a usercode (any case, I/L
// for 1, O for 0, separators ignored).
func normalizeRecoveryCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x80 || crockfordValue[unicode.ToUpper(r)] < 0 {
			return "", false
		}
		b.WriteByte(crockford[crockfordValue[unicode.ToUpper(r)]])
	}
	return b.String(), b.Len() == recoveryCodeLen
}

func (a *Accounts) recoveryHash(id int64, norm string) []byte {
	return crypt.KeyedHash(a.keys.recovery, strconv.FormatInt(id, 10), norm)
}

func (a *Accounts) storeRecoveryCodes(ctx context.Context, tx *sql.Tx, id int64, codes []string) error {
	if _, err := tx.ExecContext(ctx, sqlClearRecovery, id); err != nil {
		return err
	}
	for _, c := range codes {
		norm, _ := normalizeRecoveryCode(strings.ReplaceAll(c, "-", ""))
		if _, err := tx.ExecContext(ctx, sqlInsertRecovery, id, a.recoveryHash(id, norm)); err != nil {
			return err
		}
	}
	return nil
}

// secondFactorChanged tells Options.OnSecondFactorChange.
func (a *Accounts) secondFactorChanged() {
	if a.opts.OnSecondFactorChange != nil {
		a.opts.OnSecondFactorChange()
	}
}

package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// A two-step set-up between the password (BeginTOTP) and the confirming code
// (ConfirmTOTP) is kept where every instance finds it (issue 15: no sticky
// sessions): the pending secret in the account's row, sealed under the data
// key (BeginTOTP), and the set-up page's id and its deadline in the session's
// scs data (the database). The key text and the otpauth:// URI (which the
// page draws as its QR code, inline: no address serves an image) are made
// again from the pending secret, opened with the session's key (PendingTOTP),
// so nothing about the secret is kept in any instance's memory, nor stored
// anywhere but the sealed column. The id is random, says nothing, and makes
// an older page's confirm form refused.

// TOTPSetupTTL is how long a set-up page's id (its confirm form) stays good.
const TOTPSetupTTL = 10 * time.Minute

// scs data of a set-up in progress (at most one per session).
const (
	keyTOTPSetup = "totp:setup" // string: the current set-up id
	keyTOTPUntil = "totp:until" // int64: unix seconds the set-up id ends
)

// NewTOTPSetupID gives the set-up page of s (after BeginTOTP, or shown again
// after a wrong code) a new id for its confirm form, good for TOTPSetupTTL;
// the id before it no longer confirms.
func (a *Accounts) NewTOTPSetupID(ctx context.Context, s *Session) (string, error) {
	if s == nil || !wellFormedToken(s.token) {
		return "", errSessionExpired()
	}
	id := rand.Text()
	until := a.now().Add(TOTPSetupTTL).Unix()
	err := a.changeData(ctx, s, func(sctx context.Context) bool {
		a.sm.Put(sctx, keyTOTPSetup, id)
		a.sm.Put(sctx, keyTOTPUntil, until)
		return true
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// EndTOTPSetup forgets the set-up id of s (the set-up is over).
func (a *Accounts) EndTOTPSetup(ctx context.Context, s *Session) error {
	return a.changeData(ctx, s, func(sctx context.Context) bool {
		if !a.sm.Exists(sctx, keyTOTPSetup) {
			return false
		}
		a.sm.Remove(sctx, keyTOTPSetup)
		a.sm.Remove(sctx, keyTOTPUntil)
		return true
	})
}

// TOTPSetupCurrent reports whether id is the current, unexpired set-up id of
// s (MsgTOTPNotStarted when not).
func (a *Accounts) TOTPSetupCurrent(ctx context.Context, s *Session, id string) error {
	if len(id) != 26 || s == nil || s.sctx == nil || !a.setupLive(s.sctx, id) {
		return errs.E(errs.Conflict, MsgTOTPNotStarted)
	}
	return nil
}

// setupLive: id is the set-up of the session data sctx, before its deadline.
func (a *Accounts) setupLive(sctx context.Context, id string) bool {
	cur := a.sm.GetString(sctx, keyTOTPSetup)
	return cur != "" && subtle.ConstantTimeCompare([]byte(cur), []byte(id)) == 1 &&
		a.now().Unix() < a.sm.GetInt64(sctx, keyTOTPUntil)
}

// PendingTOTP is the set-up of s again, from the pending secret (the twin of
// ConfirmTOTP's opening): the page shown again after a wrong code.
func (a *Accounts) PendingTOTP(ctx context.Context, s *Session) (*TOTPSetup, error) {
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
	name, err := crypt.Open(dk, row.nameSealed, ad("name", row.id))
	if err != nil {
		return nil, errs.Wrap(err, "accounts: open name")
	}
	return a.totpSetup(string(secret), string(name))
}

// totpSetup is the key text and the otpauth:// URI of secret.
func (a *Accounts) totpSetup(secret, name string) (*TOTPSetup, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, errs.Wrap(err, "accounts: totp key")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: a.opts.Issuer, AccountName: name, Period: totpPeriod, Secret: raw})
	if err != nil {
		return nil, errs.Wrap(err, "accounts: totp key")
	}
	return &TOTPSetup{Secret: key.Secret(), URL: key.URL()}, nil
}

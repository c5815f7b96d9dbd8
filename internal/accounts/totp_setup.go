package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"zerodesk/internal/crypt"
	"zerodesk/internal/errs"
)

// A two-step set-up between the password (BeginTOTP) and the confirming code
// (ConfirmTOTP) is kept where every instance finds it (issue 15: no sticky
// sessions): the pending secret in the account's row, sealed under the data
// key (BeginTOTP), and the set-up's id, its deadline and whether its image
// was served in the session's scs data (the database). The key text and the
// QR code are produced again from the pending secret, opened with the
// session's key (PendingTOTP, ShowTOTPImage), so nothing about the secret is
// kept in any instance's memory, nor stored anywhere but the sealed column.
//
// The image's address is the set-up's image id: a random part R, which the
// session's data holds, and the session's token sealed under a key of the
// server secret (additional data: R), never the token itself. It is there
// because an image request carries no form, so a session without the
// 1-Click cookie is found by nothing else; the sealed token alone opens no
// session, and the route uses it only to serve the image once.

// TOTPSetupTTL is how long a set-up page's id (its image, its confirm form)
// stays good.
const TOTPSetupTTL = 10 * time.Minute

// scs data of a set-up in progress (at most one per session).
const (
	keyTOTPSetup  = "totp:setup"  // string: R of the current image id
	keyTOTPUntil  = "totp:until"  // int64: unix seconds the set-up id ends
	keyTOTPServed = "totp:served" // bool: the image of R was served
)

// NewTOTPSetupID gives the set-up page of s (after BeginTOTP, or shown again
// after a wrong code) a new id for its image and its confirm form, good for
// TOTPSetupTTL; the id before it no longer serves.
func (a *Accounts) NewTOTPSetupID(ctx context.Context, s *Session) (string, error) {
	if s == nil || !wellFormedToken(s.token) {
		return "", errSessionExpired()
	}
	r := rand.Text()
	sealed, err := crypt.Seal(a.keys.totpImage, []byte(s.token), []byte("totp-image|"+r))
	if err != nil {
		return "", errs.Wrap(err, "accounts: totp set-up id")
	}
	until := a.now().Add(TOTPSetupTTL).Unix()
	err = a.changeData(ctx, s, func(sctx context.Context) bool {
		a.sm.Put(sctx, keyTOTPSetup, r)
		a.sm.Put(sctx, keyTOTPUntil, until)
		a.sm.Put(sctx, keyTOTPServed, false)
		return true
	})
	if err != nil {
		return "", err
	}
	return r + "." + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// EndTOTPSetup forgets the set-up id of s (the set-up is over).
func (a *Accounts) EndTOTPSetup(ctx context.Context, s *Session) error {
	return a.changeData(ctx, s, func(sctx context.Context) bool {
		if !a.sm.Exists(sctx, keyTOTPSetup) {
			return false
		}
		a.sm.Remove(sctx, keyTOTPSetup)
		a.sm.Remove(sctx, keyTOTPUntil)
		a.sm.Remove(sctx, keyTOTPServed)
		return true
	})
}

// TOTPSetupCurrent reports whether id is the current, unexpired set-up id of
// s (MsgTOTPNotStarted when not).
func (a *Accounts) TOTPSetupCurrent(ctx context.Context, s *Session, id string) error {
	r, _, ok := splitSetupID(id)
	if !ok || s == nil || s.sctx == nil || !a.setupLive(s.sctx, r) {
		return errs.E(errs.Conflict, MsgTOTPNotStarted)
	}
	return nil
}

// setupLive: r is the set-up of the session data sctx, before its deadline.
func (a *Accounts) setupLive(sctx context.Context, r string) bool {
	cur := a.sm.GetString(sctx, keyTOTPSetup)
	return cur != "" && subtle.ConstantTimeCompare([]byte(cur), []byte(r)) == 1 &&
		a.now().Unix() < a.sm.GetInt64(sctx, keyTOTPUntil)
}

func splitSetupID(id string) (r string, sealed []byte, ok bool) {
	r, enc, ok := strings.Cut(id, ".")
	if !ok || len(r) != 26 || len(enc) > 200 {
		return "", nil, false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(enc)
	return r, sealed, err == nil
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

// totpSetup is the key text, the otpauth:// URI and the QR code of secret.
func (a *Accounts) totpSetup(secret, name string) (*TOTPSetup, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, errs.Wrap(err, "accounts: totp key")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: a.opts.Issuer, AccountName: name, Period: totpPeriod, Secret: raw})
	if err != nil {
		return nil, errs.Wrap(err, "accounts: totp key")
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, errs.Wrap(err, "accounts: qr code")
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, errs.Wrap(err, "accounts: qr code")
	}
	return &TOTPSetup{Secret: key.Secret(), URL: key.URL(), QRCode: b.Bytes()}, nil
}

// ShowTOTPImage returns the QR code of the set-up whose image id is id, once:
// only while the set-up is current in the session that began it, within
// TOTPSetupTTL. cookie is the request's 1-Click session token, if any: a
// request with another session's cookie is refused. Every refusal is
// errs.NotFound, the same for all causes.
func (a *Accounts) ShowTOTPImage(ctx context.Context, id, cookie string) ([]byte, error) {
	notFound := errs.E(errs.NotFound, "error.not_found")
	r, sealed, ok := splitSetupID(id)
	if !ok {
		return nil, notFound
	}
	token, err := crypt.Open(a.keys.totpImage, sealed, []byte("totp-image|"+r))
	if err != nil {
		return nil, notFound
	}
	if cookie != "" && subtle.ConstantTimeCompare([]byte(cookie), token) != 1 {
		return nil, notFound
	}
	s, err := a.PeekSession(ctx, string(token))
	if err != nil {
		if errs.MessageIDOf(err) == MsgSessionExpired {
			return nil, notFound
		}
		return nil, err
	}
	// Served once: the flag changes in the transaction that read it.
	var mine bool
	err = a.changeData(ctx, s, func(sctx context.Context) bool {
		mine = a.setupLive(sctx, r) && !a.sm.GetBool(sctx, keyTOTPServed)
		if mine {
			a.sm.Put(sctx, keyTOTPServed, true)
		}
		return mine
	})
	if err != nil {
		if errs.MessageIDOf(err) == MsgSessionExpired {
			return nil, notFound
		}
		return nil, err
	}
	if !mine {
		return nil, notFound
	}
	setup, err := a.PendingTOTP(ctx, s)
	if err != nil {
		if errs.IsRefusal(err) {
			return nil, notFound
		}
		return nil, err
	}
	return setup.QRCode, nil
}

package handlers

import (
	"crypto/rand"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// Setting up and turning off the two-step login (TOTP) on My account.

// totpSetups holds each two-step set-up between the password and the
// confirming code, in memory only and for totpSetupTTL at most: the key to show
// again after a wrong code and the QR code the set-up page's image loads. The
// image's address holds a random set-up id, never the session token; the image
// is served once, only while the session that began the set-up lives (and,
// with 1-Click, to that session's cookie). A page shown again gets a new id.
const totpSetupTTL = 10 * time.Minute

type totpSetup struct {
	sessionID int64
	token     string
	secret    string
	png       []byte
	served    bool // the image was fetched: its id serves no more
	expires   time.Time
}

type totpSetups struct {
	mu sync.Mutex
	m  map[string]*totpSetup
}

func (p *totpSetups) put(e *totpSetup) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]*totpSetup{}
	}
	now := time.Now()
	for id, old := range p.m {
		if now.After(old.expires) || old.sessionID == e.sessionID {
			delete(p.m, id)
		}
	}
	id := rand.Text()
	e.expires = now.Add(totpSetupTTL)
	e.served = false
	p.m[id] = e
	return id
}

// image returns the QR code of a set-up the first time it is asked for.
func (p *totpSetups) image(id string) *totpSetup {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.m[id]
	if e == nil || e.served || time.Now().After(e.expires) {
		return nil
	}
	e.served = true
	return e
}

func (p *totpSetups) get(id string) *totpSetup {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.m[id]
	if e == nil || time.Now().After(e.expires) {
		delete(p.m, id)
		return nil
	}
	return e
}

func (p *totpSetups) drop(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, id)
}

func (h *Handlers) totpSetupPage(c echo.Context, status int, id string, e *totpSetup, formToken, errorID string) error {
	return h.render(c, status, views.TOTPSetupPage(views.TOTPSetupView{
		Token: formToken, Setup: id, Secret: e.secret, ErrorID: errorID,
		QRCodeURL: views.Href(c.Request().Context(), "/account/totp/qr/"+id),
	}), nil)
}

// totpBegin asks for the password, then shows the new key and its QR code.
func (h *Handlers) totpBegin(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		setup, err := h.Accounts.BeginTOTP(c.Request().Context(), s, c.FormValue("password"))
		if err != nil {
			return h.refused(c, s, token, err)
		}
		live, _ := h.sessionToken(c)
		e := &totpSetup{sessionID: s.ID, token: live, secret: setup.Secret, png: setup.QRCode}
		return h.totpSetupPage(c, http.StatusOK, h.totp.put(e), e, token, "")
	})
}

// totpConfirm turns two-step verification on with a code from the app and
// shows the recovery codes, once.
func (h *Handlers) totpConfirm(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		id := c.FormValue("setup")
		e := h.totp.get(id)
		if e == nil || e.sessionID != s.ID {
			return h.accountPage(c, s, token, http.StatusConflict, "", accounts.MsgTOTPNotStarted)
		}
		codes, err := h.Accounts.ConfirmTOTP(c.Request().Context(), s, c.FormValue("code"))
		h.forgetSecondFactors() // desk_staff.go: the second-factor gate asks again
		if err != nil {
			if errs.MessageIDOf(err) == accounts.MsgSecondFactorWrong {
				// The page again, its image under a new id.
				return h.totpSetupPage(c, classify(err).Status, h.totp.put(e), e, token, accounts.MsgSecondFactorWrong)
			}
			if !errs.IsRefusal(err) {
				return err
			}
			h.totp.drop(id)
			return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
		}
		h.totp.drop(id)
		if token, err = h.renew(c, s, token); err != nil { // a new credential: a new token
			return err
		}
		return h.render(c, http.StatusOK, views.RecoveryCodesPage(views.RecoveryCodesView{Token: token, Codes: codes}), nil)
	})
}

func (h *Handlers) totpDisable(c echo.Context) error {
	return h.credentialChange(c, "account.totp.disabled", func(s *accounts.Session) error {
		err := h.Accounts.DisableTOTP(c.Request().Context(), s, c.FormValue("password"))
		h.forgetSecondFactors() // desk_staff.go: the second-factor gate asks again
		return err
	})
}

// totpQRCode serves the QR code of a pending set-up, once, while the session
// that began it lives.
func (h *Handlers) totpQRCode(c echo.Context) error {
	e := h.totp.image(c.Param("id"))
	if e == nil {
		return errs.E(errs.NotFound, "error.not_found")
	}
	if token, fromCookie := h.sessionToken(c); fromCookie && token != e.token {
		return errs.E(errs.NotFound, "error.not_found")
	}
	s, err := h.Accounts.Session(c.Request().Context(), e.token)
	if err != nil || s.ID != e.sessionID {
		return errs.E(errs.NotFound, "error.not_found")
	}
	return c.Blob(http.StatusOK, "image/png", e.png)
}

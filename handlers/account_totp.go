package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// Setting up and turning off the two-step login (TOTP) on My account.

// A set-up between the password and the confirming code is in the database,
// never in an instance's memory (issue 15: the image request and the page
// after a wrong code may reach another instance): the pending secret sealed in
// the account's row, and the set-up's id in the session's data
// (accounts.NewTOTPSetupID). The image's address holds that id, never the
// session token; the image is served once, only while the session that began
// the set-up lives (and, with 1-Click, to that session's cookie), within
// accounts.TOTPSetupTTL. A page shown again gets a new id.

func (h *Handlers) totpSetupPage(c echo.Context, status int, s *accounts.Session, setup *accounts.TOTPSetup, formToken, errorID string) error {
	id, err := h.Accounts.NewTOTPSetupID(c.Request().Context(), s)
	if err != nil {
		return err
	}
	return h.render(c, status, views.TOTPSetupPage(views.TOTPSetupView{
		Token: formToken, Setup: id, Secret: setup.Secret, ErrorID: errorID,
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
		return h.totpSetupPage(c, http.StatusOK, s, setup, token, "")
	})
}

// totpConfirm turns two-step verification on with a code from the app and
// shows the recovery codes, once.
func (h *Handlers) totpConfirm(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		ctx := c.Request().Context()
		if err := h.Accounts.TOTPSetupCurrent(ctx, s, c.FormValue("setup")); err != nil {
			return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
		}
		codes, err := h.Accounts.ConfirmTOTP(ctx, s, c.FormValue("code"))
		h.forgetSecondFactors() // desk_staff.go: the second-factor gate asks again
		if err != nil {
			if errs.MessageIDOf(err) == accounts.MsgSecondFactorWrong {
				// The page again, from the pending secret, its image under a new id.
				setup, perr := h.Accounts.PendingTOTP(ctx, s)
				if perr == nil {
					return h.totpSetupPage(c, classify(err).Status, s, setup, token, accounts.MsgSecondFactorWrong)
				}
				err = perr
			}
			if !errs.IsRefusal(err) {
				return err
			}
			if eerr := h.Accounts.EndTOTPSetup(ctx, s); eerr != nil && !errs.IsRefusal(eerr) {
				return eerr
			}
			return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
		}
		if err := h.Accounts.EndTOTPSetup(ctx, s); err != nil {
			return err
		}
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
// that began it lives (with 1-Click, only to that session's cookie).
func (h *Handlers) totpQRCode(c echo.Context) error {
	cookie, fromCookie := h.sessionToken(c)
	if !fromCookie {
		cookie = ""
	}
	png, err := h.Accounts.ShowTOTPImage(c.Request().Context(), c.Param("id"), cookie)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/png", png)
}

// loggedPath is the path a request log line shows: the route's pattern for a
// route whose address is a capability (the QR image's id holds the session
// token sealed under the server secret: a log of it, with that secret, would
// give the token), else path.
func loggedPath(c echo.Context, path string) string {
	if strings.HasSuffix(c.Path(), "/account/totp/qr/:id") {
		return c.Path()
	}
	return path
}

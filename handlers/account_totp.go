package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// Setting up and turning off the two-step login (TOTP) on My account.

// A set-up between the password and the confirming code is in the database,
// never in an instance's memory (issue 15: the page after a wrong code and the
// confirmation may reach another instance): the pending secret sealed in the
// account's row, and the set-up's id in the session's data
// (accounts.NewTOTPSetupID), within accounts.TOTPSetupTTL. A page shown again
// gets a new id. The QR code is part of the page (inline SVG of the otpauth
// URI, views.NewQRCode): no address serves it, so none can reach a log.
// The page is no-store (routes.go).

func (h *Handlers) totpSetupPage(c echo.Context, status int, s *accounts.Session, setup *accounts.TOTPSetup, formToken, errorID string) error {
	qr, err := views.NewQRCode(setup.URL)
	if err != nil {
		return err
	}
	id, err := h.Accounts.NewTOTPSetupID(c.Request().Context(), s)
	if err != nil {
		return err
	}
	return h.render(c, status, views.TOTPSetupPage(views.TOTPSetupView{
		Token: formToken, Setup: id, Secret: setup.Secret, QRCode: qr, ErrorID: errorID,
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
				// The page again, from the pending secret, under a new id.
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

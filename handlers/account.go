package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/views"
)

// My account and the changes made on it. The other account pages:
// registration and the login in account_login.go, the two-step set-up in
// account_totp.go. A session travels either in the one 1-Click cookie or,
// without it, only in a hidden "token" field of the account pages' forms:
// never in a URL or a Location header (account_session.go).

// formError renders page with the error's message when it is a refusal (a
// refused input, a failed login); anything else goes to the error handler.
func (h *Handlers) formError(c echo.Context, err error, page func(msgID string) templ.Component) error {
	if !errs.IsRefusal(err) {
		return err
	}
	id, v := errs.MessageIDOf(err), classify(err)
	if v.Status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	return h.render(c, v.Status, page(id), nil)
}

func (h *Handlers) accountPage(c echo.Context, s *accounts.Session, formToken string, status int, noticeID, errorID string) error {
	ctx := c.Request().Context()
	p, err := h.Accounts.Profile(ctx, s)
	if err != nil {
		return err
	}
	list, err := h.Accounts.Sessions(ctx, s)
	if err != nil {
		return err
	}
	v := views.AccountView{Token: formToken, Name: p.Name, Lang: p.Lang, Role: string(p.Role), NoticeID: noticeID, ErrorID: errorID, SecondFactor: p.SecondFactor}
	if v.Recovery, err = h.recoveryView(c, s); err != nil { // selfservice.go
		return err
	}
	v.Tickets = h.myTickets(c, s) // support_ticket.go
	for _, i := range list {
		v.Sessions = append(v.Sessions, views.SessionLine{ID: i.ID, Label: i.Label, Started: i.CreatedAt, Current: i.Current})
	}
	return h.render(c, status, views.AccountPage(v), nil)
}

// withSession runs fn for a signed-in request; an ended session shows the
// login with the reason.
func (h *Handlers) withSession(c echo.Context, fn func(s *accounts.Session, formToken string) error) error {
	s, token, err := h.session(c)
	if err != nil {
		if errs.MessageIDOf(err) == accounts.MsgSessionExpired {
			h.endCookie(c) // a stale 1-Click cookie goes
		}
		return h.formError(c, err, loginRetry(true))
	}
	return fn(s, token)
}

// accountGet is My account for a 1-Click session (its cookie); without one it
// sends the visitor to the login.
func (h *Handlers) accountGet(c echo.Context) error {
	if _, fromCookie := h.sessionToken(c); !fromCookie {
		return h.toLogin(c)
	}
	return h.accountPost(c)
}

func (h *Handlers) accountPost(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		return h.accountPage(c, s, token, http.StatusOK, "", "")
	})
}

// endCookie is called whenever a handler ends the request's own session. It
// deletes the 1-Click cookie, only when the request had one: a cookie-less
// session never gets a Set-Cookie, not even a deletion.
func (h *Handlers) endCookie(c echo.Context) {
	c.Set(loadedSessionKey, nil) // the frame must not show the ended session
	if _, fromCookie := h.sessionToken(c); fromCookie {
		h.writeSessionCookie(c, "")
	}
}

func (h *Handlers) logout(c echo.Context) error {
	token, _ := h.sessionToken(c)
	if err := h.Accounts.Logout(c.Request().Context(), token); err != nil {
		return err
	}
	h.endCookie(c)
	return h.render(c, http.StatusOK, views.SignedOutPage(), nil)
}

func (h *Handlers) signOutEverywhere(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, _ string) error {
		if err := h.Accounts.EndAllSessions(c.Request().Context(), s); err != nil {
			return err
		}
		h.endCookie(c)
		return h.render(c, http.StatusOK, views.SignedOutPage(), nil)
	})
}

// endSession ends one of the account's other sessions (the current one ends by
// signing out). An id that is not one of the account's ends nothing.
func (h *Handlers) endSession(c echo.Context) error {
	return h.accountChange(c, "account.session.ended", func(s *accounts.Session) error {
		id, err := strconv.ParseInt(c.FormValue("session"), 10, 64)
		if err != nil || id == s.ID {
			return nil
		}
		return h.Accounts.EndSession(c.Request().Context(), s, id)
	})
}

func (h *Handlers) changePassword(c echo.Context) error {
	return h.credentialChange(c, "account.password.changed", func(s *accounts.Session) error {
		return h.Accounts.ChangePassword(c.Request().Context(), s, c.FormValue("current"), c.FormValue("next"))
	})
}

func (h *Handlers) updateProfile(c echo.Context) error {
	return h.accountChange(c, "account.profile.saved", func(s *accounts.Session) error {
		return h.Accounts.UpdateProfile(c.Request().Context(), s, c.FormValue("name"), c.FormValue("language"))
	})
}

func (h *Handlers) changePhrase(c echo.Context) error {
	return h.accountChange(c, "account.phrase.changed", func(s *accounts.Session) error {
		return h.Accounts.ChangePhrase(c.Request().Context(), s, c.FormValue("phrase"))
	})
}

// accountChange runs one change of My account and shows the page again with
// its notice, or with the reason it was refused.
func (h *Handlers) accountChange(c echo.Context, noticeID string, change func(*accounts.Session) error) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		if err := change(s); err != nil {
			return h.refused(c, s, token, err)
		}
		return h.accountPage(c, s, token, http.StatusOK, noticeID, "")
	})
}

// credentialChange is accountChange for a change of credentials: the
// session's token is renewed after it (scs's RenewToken).
func (h *Handlers) credentialChange(c echo.Context, noticeID string, change func(*accounts.Session) error) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		if err := change(s); err != nil {
			return h.refused(c, s, token, err)
		}
		token, err := h.renew(c, s, token)
		if err != nil {
			return err
		}
		return h.accountPage(c, s, token, http.StatusOK, noticeID, "")
	})
}

// renew gives s a new token (scs's RenewToken; the old one ends): a 1-Click
// session gets the new cookie, a cookie-less one the new token in the page's
// forms (formToken is the old one, "" for 1-Click). It returns the token for
// the forms.
func (h *Handlers) renew(c echo.Context, s *accounts.Session, formToken string) (string, error) {
	token, err := h.Accounts.RenewSession(c.Request().Context(), s)
	if err != nil {
		return "", err
	}
	if formToken == "" {
		h.writeSessionCookie(c, token)
		c.Set(frameCookieTokenKey, token)
		return "", nil
	}
	c.Set(frameTokenKey, token)
	return token, nil
}

// refused shows My account again with why a change was refused, or passes on
// an error the account forms do not explain.
func (h *Handlers) refused(c echo.Context, s *accounts.Session, token string, err error) error {
	if !errs.IsRefusal(err) {
		return err
	}
	return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
}

// requestEmail checks the password and mails a code to the new address, then
// asks for that code.
func (h *Handlers) requestEmail(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		if err := h.Accounts.RequestEmailChange(c.Request().Context(), s, c.FormValue("password"), c.FormValue("email")); err != nil {
			return h.refused(c, s, token, err)
		}
		return h.render(c, http.StatusOK, views.EmailCodePage(views.EmailCodeView{Token: token}), nil)
	})
}

// confirmEmail makes the new address the account's with the mailed code; a
// wrong code asks again.
func (h *Handlers) confirmEmail(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		err := h.Accounts.ConfirmEmailChange(c.Request().Context(), s, c.FormValue("code"))
		if errs.MessageIDOf(err) == accounts.MsgCodeWrong {
			return h.render(c, classify(err).Status, views.EmailCodePage(views.EmailCodeView{Token: token, ErrorID: accounts.MsgCodeWrong}), nil)
		}
		if err != nil {
			return h.refused(c, s, token, err)
		}
		return h.accountChange(c, "account.email.changed", func(*accounts.Session) error { return nil })
	})
}

// newRecoveryCodes replaces the recovery codes (password asked) and shows the
// new ones, once.
func (h *Handlers) newRecoveryCodes(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		codes, err := h.Accounts.NewRecoveryCodes(c.Request().Context(), s, c.FormValue("password"))
		if err != nil {
			return h.refused(c, s, token, err)
		}
		return h.render(c, http.StatusOK, views.RecoveryCodesPage(views.RecoveryCodesView{Token: token, Codes: codes}), nil)
	})
}

// exportData is "export my data": a JSON download of what the account holds,
// its tickets included.
func (h *Handlers) exportData(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, _ string) error {
		x, err := h.Accounts.Export(c.Request().Context(), s)
		if err != nil {
			return err
		}
		full := fullExport{Export: x}
		if full.Tickets, err = h.Tickets.ExportForAccount(c.Request().Context(), s); err != nil {
			return err
		}
		body, err := json.MarshalIndent(full, "", "  ")
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="zerodesk-export.json"`)
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	})
}

// fullExport is the account's export with its tickets: the two rooms
// composed here, so neither imports the other's export.
type fullExport struct {
	*accounts.Export
	Tickets []tickets.ExportedTicket `json:"tickets"`
}

// erasers are the rooms whose data goes with a deleted account.
func (h *Handlers) erasers() []accounts.DataEraser {
	if h.Notify != nil {
		return []accounts.DataEraser{h.Tickets, h.Notify}
	}
	return []accounts.DataEraser{h.Tickets}
}

// deleteAccount deletes the account after the password and the ticked
// confirmation; every session of it ends with it, and its tickets are erased.
func (h *Handlers) deleteAccount(c echo.Context) error {
	return h.withSession(c, func(s *accounts.Session, token string) error {
		if c.FormValue("confirm") != "yes" {
			err := errs.E(errs.Invalid, "account.delete.unconfirmed")
			return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
		}
		if err := h.Accounts.Delete(c.Request().Context(), s, c.FormValue("password"), h.erasers()...); err != nil {
			return h.refused(c, s, token, err)
		}
		h.endCookie(c)
		return h.render(c, http.StatusOK, views.DeletedPage(), nil)
	})
}

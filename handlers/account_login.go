package handlers

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/views"
)

// Registration and the user login: the two steps (usercode and phrase, then
// password), the second factor, the first login (activation), and where a
// signed-in person lands.

func (h *Handlers) toLogin(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), "/login/user"))
}

func (h *Handlers) registerForm(c echo.Context) error {
	return h.render(c, http.StatusOK, views.RegisterPage(views.RegisterView{Lang: c.Param("lang")}), nil)
}

// register creates a pending account and mails its usercode. The answer is the
// same page whether or not the address is known.
func (h *Handlers) register(c echo.Context) error {
	v := views.RegisterView{Name: c.FormValue("name"), Email: c.FormValue("email"), Lang: c.FormValue("language"), Type: c.FormValue("type")}
	err := h.Accounts.Register(c.Request().Context(), accounts.Registration{
		Name: v.Name, Email: v.Email, Lang: v.Lang, Type: accounts.Role(v.Type), Addr: c.RealIP(),
	})
	if err != nil {
		return h.formError(c, err, func(id string) templ.Component {
			v.ErrorID = id
			return views.RegisterPage(v)
		})
	}
	return h.render(c, http.StatusOK, views.RegisteredPage(), nil)
}

func (h *Handlers) loginForm(c echo.Context) error {
	return h.render(c, http.StatusOK, views.LoginPage(views.LoginView{OneClick: true}), nil)
}

// loginKind is the login of a manager or a staff member: the same two steps
// as a user's, under its own heading. Without accounts (or for a kind not
// offered) it is fallback.
func (h *Handlers) loginKind(fallback echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		kind := c.Param("kind")
		if kind != "manager" && kind != "staff" {
			return fallback(c)
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		// Staff often sit at shared desk computers: their login starts with
		// 1-Click off, and says so.
		return h.render(c, http.StatusOK, views.LoginPage(views.LoginView{OneClick: kind != "staff", Kind: kind}), nil)
	}
}

func loginRetry(oneClick bool) func(string) templ.Component {
	return loginRetryAs(oneClick, "")
}

// loginRetryAs is loginRetry under the login type chosen.
func loginRetryAs(oneClick bool, kind string) func(string) templ.Component {
	return func(id string) templ.Component {
		return views.LoginPage(views.LoginView{OneClick: oneClick, ErrorID: id, Kind: kind})
	}
}

// loginKindOf is the login type the forms carry ("user" when none).
func loginKindOf(c echo.Context) string { return views.LoginKind(c.FormValue("kind")) }

// oneClick reads the 1-Click choice: the checkbox of step 1, a hidden field after.
func oneClick(c echo.Context) bool { return c.FormValue("oneclick") == "on" }

// loginStep1 shows the phrase (the account's or a decoy, alike) and asks for
// the password; a pending account's first login sets password and phrase.
func (h *Handlers) loginStep1(c echo.Context) error {
	usercode := strings.TrimSpace(c.FormValue("usercode"))
	on, kind := oneClick(c), loginKindOf(c)
	ch, err := h.Accounts.Step1(c.Request().Context(), usercode)
	if err != nil {
		h.Metrics.loginFailed(err)
		return h.formError(c, err, loginRetryAs(on, kind))
	}
	if ch.FirstLogin {
		return h.render(c, http.StatusOK, views.FirstLoginPage(views.FirstLoginView{
			Usercode: usercode, OneClick: on, Kind: kind, Suggestions: h.Accounts.SuggestPhrases(3),
		}), nil)
	}
	return h.render(c, http.StatusOK, views.PasswordPage(views.PasswordView{Usercode: usercode, Phrase: ch.Phrase, OneClick: on, Kind: kind, NewUsercode: ch.NewUsercode}), nil)
}

// loginStep2 checks the password and starts the session.
func (h *Handlers) loginStep2(c echo.Context) error {
	on, kind := oneClick(c), loginKindOf(c)
	login, err := h.Accounts.Step2(c.Request().Context(), h.credentials(c))
	if err != nil {
		h.Metrics.loginFailed(err)
		return h.formError(c, err, loginRetryAs(on, kind))
	}
	if login.SecondFactor {
		// The half-open session travels as a full one would: the 1-Click
		// cookie, or the hidden field of the code form.
		if on {
			h.writeSessionCookie(c, login.Token)
			return h.render(c, http.StatusOK, views.SecondFactorPage(views.SecondFactorView{OneClick: true, Kind: kind}), nil)
		}
		return h.render(c, http.StatusOK, views.SecondFactorPage(views.SecondFactorView{Token: login.Token, Kind: kind}), nil)
	}
	return h.signedIn(c, login.Token, on, landing(kind, login.Role))
}

// landing is where a 1-Click login goes: the login type chosen leads to its
// place when the account has that role (the desk, the members), else My
// account.
func landing(kind string, role accounts.Role) string {
	switch {
	case kind == "staff" && role.Staff():
		return "/desk"
	case kind == "staff" && role.Edits():
		return "/editor"
	case kind == "manager" && role == accounts.Manager:
		return "/account/members"
	}
	return "/account"
}

// loginCode is the second factor of a login: a TOTP code or a recovery code.
func (h *Handlers) loginCode(c echo.Context) error {
	on, kind := oneClick(c), loginKindOf(c)
	token, fromCookie := h.sessionToken(c)
	if token == "" {
		return h.formError(c, errs.E(errs.Forbidden, accounts.MsgSessionExpired), loginRetry(on))
	}
	login, err := h.Accounts.SecondFactor(c.Request().Context(), token, c.FormValue("code"))
	if err != nil {
		h.Metrics.loginFailed(err)
		if errs.MessageIDOf(err) == accounts.MsgSecondFactorWrong {
			formToken := token
			if fromCookie {
				formToken = ""
			}
			return h.formError(c, err, func(id string) templ.Component {
				return views.SecondFactorPage(views.SecondFactorView{Token: formToken, OneClick: on, Kind: kind, ErrorID: id})
			})
		}
		h.endCookie(c) // the half-open session has ended
		return h.formError(c, err, loginRetry(on))
	}
	return h.signedIn(c, login.Token, on, landing(kind, login.Role))
}

func (h *Handlers) credentials(c echo.Context) accounts.Credentials {
	prev, _ := h.sessionToken(c)
	return accounts.Credentials{
		Usercode:  c.FormValue("usercode"),
		Password:  c.FormValue("password"),
		Addr:      c.RealIP(),
		Label:     views.DeviceLabel(c.Request().UserAgent()), // "Firefox|Linux", never the raw header
		PrevToken: prev,
	}
}

// phraseOptions are the phrases a form offers: a valid pick kept from the
// form just sent first, then fresh suggestions.
func (h *Handlers) phraseOptions(picked string) []string {
	if accounts.GeneratedPhrase(picked) {
		return append([]string{picked}, h.Accounts.SuggestPhrases(2)...)
	}
	return h.Accounts.SuggestPhrases(3)
}

// activate is the first login: it sets password and phrase. "Check the
// strength" (with or without JavaScript) shows how strong the password is and
// why it would be refused, and "Other suggestions" offers other phrases: both
// show the page again with the typed password kept in its field (the page is
// no-store), so a check never loses input. Activate is the form's first
// submit button, so Enter in the password field activates.
func (h *Handlers) activate(c echo.Context) error {
	on, kind := oneClick(c), loginKindOf(c)
	usercode := c.FormValue("usercode")
	phrase := c.FormValue("phrase")
	password := c.FormValue("password")
	length := utf8.RuneCountInString(password)
	page := func(id string) templ.Component {
		return views.FirstLoginPage(views.FirstLoginView{
			Usercode: usercode, OneClick: on, Kind: kind, Suggestions: h.phraseOptions(phrase), ErrorID: id, Length: length,
		})
	}
	if c.FormValue("check") != "" || c.FormValue("more") != "" {
		v := views.FirstLoginView{Usercode: usercode, OneClick: on, Kind: kind, Password: password, Length: length}
		if c.FormValue("check") != "" {
			v.Checked, v.Strength = true, accounts.Strength(password, usercode)
			if err := accounts.CheckPassword(password, usercode); err != nil {
				v.ReasonID = errs.MessageIDOf(err)
			}
		}
		if c.FormValue("more") != "" {
			v.Suggestions = h.Accounts.SuggestPhrases(3)
		} else {
			v.Suggestions = h.phraseOptions(phrase)
		}
		return h.render(c, http.StatusOK, views.FirstLoginPage(v), nil)
	}
	if err := accounts.CheckPassword(password, usercode); err != nil {
		return h.formError(c, err, page)
	}
	login, err := h.Accounts.Activate(c.Request().Context(), accounts.FirstLogin{Credentials: h.credentials(c), Phrase: phrase})
	if err != nil {
		h.Metrics.loginFailed(err)
		if errs.MessageIDOf(err) == accounts.MsgLoginFailed || errs.CodeOf(err) == errs.RateLimited {
			return h.formError(c, err, loginRetry(on))
		}
		return h.formError(c, err, page)
	}
	return h.signedIn(c, login.Token, on, landing(kind, login.Role))
}

// signedIn finishes a login: with 1-Click, the one session cookie and a
// redirect to dest (My account, or the place of the login type chosen);
// without, My account rendered right here, its forms carrying the token.
func (h *Handlers) signedIn(c echo.Context, token string, on bool, dest string) error {
	if on {
		h.writeSessionCookie(c, token)
		return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), dest))
	}
	s, err := h.Accounts.Session(c.Request().Context(), token)
	if err != nil {
		return err
	}
	c.Set(frameTokenKey, token) // the frame's actions carry it too
	return h.accountPage(c, s, token, http.StatusOK, "", "")
}

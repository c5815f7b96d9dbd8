package handlers

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
	"zerodesk/internal/tickets"
	"zerodesk/locales"
	"zerodesk/views"
)

// The account pages: registration, the two-step user login, the first login,
// My account. A session travels either in the one 1-Click cookie or, without
// it, only in a hidden "token" field of the account pages' forms: never in a
// URL or a Location header.

const (
	sessionCookie       = "zd"
	sessionCookieSecure = "__Host-zd"
)

func (h *Handlers) toLogin(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), "/login/user"))
}

// noStore keeps account pages out of every cache (and the history cache).
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// accountLimiter bounds how fast one address can register or log in (the
// domain counts failed passwords on its own, durably).
func (h *Handlers) accountLimiter() echo.MiddlewareFunc {
	n := h.AccountLimit
	if n <= 0 {
		n = 30
	}
	return perAddressLimit(n)
}

// formError renders page with the error's message when it is one the account
// forms explain (a refused input, a failed login); anything else goes to the
// error handler.
func (h *Handlers) formError(c echo.Context, err error, page func(msgID string) templ.Component) error {
	id := errs.MessageIDOf(err)
	if !strings.HasPrefix(id, "accounts.") {
		return err
	}
	v := classify(err)
	if v.Status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "60")
	}
	return h.render(c, v.Status, page(id), nil)
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
		if h.Accounts == nil || (kind != "manager" && kind != "staff") {
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
		return h.formError(c, err, loginRetryAs(on, kind))
	}
	if login.SecondFactor {
		// The half-open session travels as a full one would: the 1-Click
		// cookie, or the hidden field of the code form.
		if on {
			c.SetCookie(h.newSessionCookie(c, login.Token))
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
		c.SetCookie(h.newSessionCookie(c, token))
		return c.Redirect(http.StatusSeeOther, views.Href(c.Request().Context(), dest))
	}
	s, err := h.Accounts.Session(c.Request().Context(), token)
	if err != nil {
		return err
	}
	c.Set(frameTokenKey, token) // the frame's actions carry it too
	return h.accountPage(c, s, token, http.StatusOK, "", "")
}

// secure reports whether the browser reached us over TLS.
func (h *Handlers) secure(c echo.Context) bool {
	if c.IsTLS() {
		return true
	}
	return h.fromTrustedProxy(c) && c.Request().Header.Get(echo.HeaderXForwardedProto) == "https"
}

// fromTrustedProxy reports whether the connection itself comes from one of
// the configured proxies: only then do their forwarding headers mean
// anything (a client can send X-Forwarded-Proto as easily as a proxy can).
func (h *Handlers) fromTrustedProxy(c echo.Context) bool {
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		host = c.Request().RemoteAddr
	}
	ip := net.ParseIP(host)
	for _, n := range h.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

func (h *Handlers) cookieName(c echo.Context) string {
	if h.secure(c) {
		return sessionCookieSecure
	}
	return sessionCookie
}

// newSessionCookie is the 1-Click cookie: no Expires or Max-Age, so the
// browser drops it when it closes.
func (h *Handlers) newSessionCookie(c echo.Context, token string) *http.Cookie {
	return &http.Cookie{
		Name: h.cookieName(c), Value: token, Path: "/",
		Secure: h.secure(c), HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// sessionToken finds the request's session: the hidden form field of a
// cookie-less session, else the 1-Click cookie. fromCookie tells which.
func (h *Handlers) sessionToken(c echo.Context) (token string, fromCookie bool) {
	if c.Request().Method == http.MethodPost {
		if t := c.FormValue("token"); t != "" {
			return t, false
		}
	}
	if ck, err := c.Cookie(h.cookieName(c)); err == nil && ck.Value != "" {
		return ck.Value, true
	}
	return "", false
}

// session loads the signed-in session; the token is returned for the forms
// only when it did not come from the cookie.
func (h *Handlers) session(c echo.Context) (*accounts.Session, string, error) {
	return h.loadSession(c, h.Accounts.Session)
}

// peekSession is session for automatic requests (polling): it does not count
// as a use, so the idle timeout still ends a session nobody works in.
func (h *Handlers) peekSession(c echo.Context) (*accounts.Session, string, error) {
	return h.loadSession(c, h.Accounts.PeekSession)
}

func (h *Handlers) loadSession(c echo.Context, load func(context.Context, string) (*accounts.Session, error)) (*accounts.Session, string, error) {
	token, fromCookie := h.sessionToken(c)
	if token == "" {
		return nil, "", errs.E(errs.Forbidden, accounts.MsgSessionExpired)
	}
	s, err := load(c.Request().Context(), token)
	if err != nil {
		return nil, "", err
	}
	if fromCookie {
		token = ""
	}
	return s, token, nil
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
	v.Tickets = h.myTickets(c, s) // support.go
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

// endCookie deletes the 1-Click cookie, only when the request had one: a
// cookie-less session never gets a Set-Cookie, not even a deletion.
func (h *Handlers) endCookie(c echo.Context) {
	if _, fromCookie := h.sessionToken(c); fromCookie {
		c.SetCookie(&http.Cookie{Name: h.cookieName(c), Value: "", Path: "/", MaxAge: -1,
			Secure: h.secure(c), HttpOnly: true, SameSite: http.SameSiteLaxMode})
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
	return h.accountChange(c, "account.password.changed", func(s *accounts.Session) error {
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
			if !strings.HasPrefix(errs.MessageIDOf(err), "accounts.") {
				return err
			}
			return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
		}
		return h.accountPage(c, s, token, http.StatusOK, noticeID, "")
	})
}

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
			if !strings.HasPrefix(errs.MessageIDOf(err), "accounts.") {
				return err
			}
			return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
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
		if err != nil {
			if errs.MessageIDOf(err) == accounts.MsgSecondFactorWrong {
				// The page again, its image under a new id.
				return h.totpSetupPage(c, classify(err).Status, h.totp.put(e), e, token, accounts.MsgSecondFactorWrong)
			}
			if !strings.HasPrefix(errs.MessageIDOf(err), "accounts.") {
				return err
			}
			h.totp.drop(id)
			return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
		}
		h.totp.drop(id)
		return h.render(c, http.StatusOK, views.RecoveryCodesPage(views.RecoveryCodesView{Token: token, Codes: codes}), nil)
	})
}

func (h *Handlers) totpDisable(c echo.Context) error {
	return h.accountChange(c, "account.totp.disabled", func(s *accounts.Session) error {
		return h.Accounts.DisableTOTP(c.Request().Context(), s, c.FormValue("password"))
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

// refused shows My account again with why a change was refused, or passes on
// an error the account forms do not explain.
func (h *Handlers) refused(c echo.Context, s *accounts.Session, token string, err error) error {
	if !strings.HasPrefix(errs.MessageIDOf(err), "accounts.") {
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
		full := fullExport{Export: x, Tickets: []tickets.ExportedTicket{}}
		if h.Tickets != nil {
			if full.Tickets, err = h.Tickets.ExportForAccount(c.Request().Context(), s); err != nil {
				return err
			}
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
	if h.Tickets == nil {
		return nil
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
			if !strings.HasPrefix(errs.MessageIDOf(err), "accounts.") {
				return err
			}
			return h.accountPage(c, s, token, classify(err).Status, "", errs.MessageIDOf(err))
		}
		h.endCookie(c)
		return h.render(c, http.StatusOK, views.DeletedPage(), nil)
	})
}

// MailText is accounts.Options.Text from the message catalog: account mail in
// the account's language, "" (the built-in English) when there is none.
func MailText(cat *locales.Catalog) func(lang, id string, data map[string]string) string {
	return func(lang, id string, data map[string]string) string {
		if !cat.Supported(lang) {
			return ""
		}
		args := make([]any, 0, 2*len(data))
		for k, v := range data {
			args = append(args, k, v)
		}
		if s := cat.Localizer(lang).T(id, args...); s != id {
			return s
		}
		return ""
	}
}

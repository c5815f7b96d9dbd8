package handlers

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"zerodesk/internal/accounts"
	"zerodesk/internal/errs"
)

// How a session travels over HTTP: the one 1-Click cookie (__Host- on TLS)
// or, without it, the token in a hidden field of the account pages' forms.

// The session cookie's names: plain HTTP, and TLS.
const (
	sessionCookie       = "zd"
	sessionCookieSecure = "__Host-zd"
)

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
	if len(h.TrustedProxies) == 0 {
		return false // no proxy to trust: nothing to parse (every request asks, setSecurityHeaders)
	}
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

// writeSessionCookie has scs write the 1-Click cookie (token "" deletes it):
// the one manager's settings (HttpOnly, SameSite=Lax, Path=/, Persist off, so
// no Expires or Max-Age and the browser drops it when it closes), named and
// secured for this connection: __Host- and Secure over TLS, direct or through
// a trusted proxy.
func (h *Handlers) writeSessionCookie(c echo.Context, token string) {
	m := *h.Accounts.SessionManager()
	m.Cookie.Name, m.Cookie.Secure = h.cookieName(c), h.secure(c)
	ctx, expiry := c.Request().Context(), time.Time{}
	if token != "" {
		// scs asks the session data whether RememberMe was set (never
		// here): an empty session, which touches no store, says no.
		ctx, _ = m.Load(ctx, "")
		expiry = time.Now().Add(m.Lifetime)
	}
	m.WriteSessionCookie(ctx, c.Response(), token, expiry)
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

// loadedSessionKey is where loadSession leaves the request's session for the
// page frame, which would otherwise load it a second time; endCookie takes it
// away when the handler ends the session.
const loadedSessionKey = "zerodesk.loadedSession"

type loadedSession struct {
	token string
	s     *accounts.Session
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
	c.Set(loadedSessionKey, loadedSession{token: token, s: s})
	if fromCookie {
		token = ""
	}
	return s, token, nil
}

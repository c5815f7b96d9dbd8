package handlers

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// exchange is one request of a browser journey as the server saw it.
type exchange struct {
	method, url, referer, location string
	setCookie                      []string
	cookie                         string
}

// exchangeLog records every request and response that reaches the app.
type exchangeLog struct {
	mu   sync.Mutex
	seen []exchange
}

func (l *exchangeLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.seen = append(l.seen, exchange{method: r.Method, url: r.URL.String(), referer: r.Header.Get("Referer"),
			location: w.Header().Get("Location"), setCookie: w.Header().Values("Set-Cookie"), cookie: r.Header.Get("Cookie")})
	})
}

func (l *exchangeLog) all() []exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]exchange(nil), l.seen...)
}

// TestBrowser_CookielessJourneySendsNoSetCookieFromRegisterToLogout runs a
// journey with 1-Click off in a browser whose cookie jar starts empty:
// register, first login, sign out, log in again, save the profile (a change
// of the session), sign out. No response of it has Set-Cookie, the browser
// never sends a cookie, and the session tokens the forms carried appear in no
// URL, Location or Referer.
func TestBrowser_CookielessJourneySendsNoSetCookieFromRegisterToLogout(t *testing.T) {
	t.Parallel()
	var log exchangeLog
	b, _ := accountJourney(t, false, withServerWrap(log.wrap))
	b.checkNoCookies()
	tokens := []string{evalJS[string](b, `document.querySelector('input[name="token"]').value`)}
	if len(tokens[0]) != 43 {
		t.Fatalf("My account's forms carry %q, not a session token", tokens[0])
	}
	b.typeInto("#profile-name", "Ada King")
	b.follow("saving the profile", chromedp.Click(chromedp.CSS(`form[action="/en/account/profile"] button`)))
	b.check("the profile saved", `document.querySelector("#account-name").textContent === "Ada King"`)
	tokens = append(tokens, evalJS[string](b, `document.querySelector('input[name="token"]').value`))
	b.follow("signing out", chromedp.Click(chromedp.CSS(`form[action="/en/account/logout"] button`)))
	b.check("signed out", `!!document.querySelector("main h1")`)
	b.checkNoCookies()

	seen := log.all()
	posts := 0
	for _, x := range seen {
		if x.method == http.MethodPost {
			posts++
		}
		if len(x.setCookie) > 0 {
			t.Errorf("%s %s answered Set-Cookie %v", x.method, x.url, x.setCookie)
		}
		if x.cookie != "" {
			t.Errorf("%s %s came with Cookie %q", x.method, x.url, x.cookie)
		}
		for _, tok := range tokens {
			if strings.Contains(x.url, tok) || strings.Contains(x.referer, tok) || strings.Contains(x.location, tok) {
				t.Errorf("%s %s: the session token is in a URL, Referer or Location", x.method, x.url)
			}
		}
	}
	if posts < 6 || len(seen) < 12 {
		t.Fatalf("only %d requests (%d posts) seen: the journey did not run through the wrap", len(seen), posts)
	}
}

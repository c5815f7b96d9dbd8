package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"zerodesk/internal/accounts"
)

// framePages are pages of every kind whose frame must show the session.
var framePages = []string{"/en/", "/en/articles/reset-account", "/en/sections/howto", "/en/search?q=password",
	"/en/support", "/en/login", "/en/reset", "/en/browser-test", "/ar/", "/ar/articles/reset-account"}

func TestFrame_VisitorsSeeLogInAndSupport(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	for _, path := range framePages {
		d := doc(t, a.get(t, path))
		lang := strings.Split(path, "/")[1]
		wantCount(t, d, `header nav.account-bar a.login-link[href="/`+lang+`/login"]`, 1)
		wantCount(t, d, `header nav.account-bar a.support-link[href="/`+lang+`/support"]`, 1)
		if d.Find(".signed-in, .signout-form").Length() != 0 {
			t.Errorf("%s: a visitor's frame shows a signed-in state", path)
		}
	}
}

// checkSignedInFrame checks the frame of a signed-in page: who, and the
// actions, as links (1-Click) or as POST forms carrying the token.
func checkSignedInFrame(t *testing.T, page string, d *goquery.Document, name, role, token string, staff bool) {
	t.Helper()
	lang := "en"
	if strings.HasPrefix(page, "/ar/") {
		lang = "ar"
	}
	bar := d.Find("header nav.account-bar")
	if got := strings.Join(strings.Fields(bar.Find(".signed-in").Text()), " "); !strings.Contains(got, name) || !strings.Contains(got, role) {
		t.Errorf("%s: the frame says %q, want the name %q and role %q", page, got, name, role)
	}
	if d.Find(`a[href$="/login"]`).Length() != 0 {
		t.Errorf("%s: a signed-in page still offers the login", page)
	}
	actions := map[string]string{"/account": ".account-link"}
	if staff {
		actions["/desk"] = ".desk-link"
	} else if bar.Find(".desk-link").Length() != 0 {
		t.Errorf("%s: the desk is offered to a customer", page)
	}
	for path, class := range actions {
		href := "/" + lang + path
		if token == "" {
			if bar.Find(`a`+class+`[href="`+href+`"]`).Length() != 1 {
				t.Errorf("%s: no link %s to %s in the frame", page, class, href)
			}
		} else if bar.Find(`form`+class+`[method="post"][action="`+href+`"] input[name="token"][value="`+token+`"]`).Length() != 1 {
			t.Errorf("%s: no POST form %s to %s carrying the token in the frame", page, class, href)
		}
	}
	out := bar.Find(`form.signout-form[method="post"][action="/` + lang + `/account/logout"]`)
	if out.Length() != 1 {
		t.Errorf("%s: no Sign out form in the frame", page)
	} else if got := out.Find(`input[name="token"]`).AttrOr("value", ""); got != token {
		t.Errorf("%s: Sign out carries token %q, want %q", page, got, token)
	}
	d.Find("[href], [action], [src]").Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"href", "action", "src"} {
			if v := s.AttrOr(attr, ""); token != "" && strings.Contains(v, token) {
				t.Errorf("%s: the session token is in a URL: %s=%q", page, attr, v)
			}
		}
	})
}

func TestFrame_SignedInWith1ClickShowsWhoAndTheActionsOnEveryPage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.get(t, "/en/") // a visitor's page is cached first: it must not leak either way
	j := &journey{a: a}
	usercode := j.register(t, "Grace Hopper", "grace@example.com")
	j.activate(t, usercode, "cobalt lantern hums", false)
	_, w := j.login(t, usercode, testPassword, true)
	c := signedIn(t, w, true)
	for _, path := range append(framePages, "/en/account", "/en/no-such-page") {
		w := a.get(t, path, c.headers()...)
		if w.Code != http.StatusOK && w.Code != http.StatusNotFound {
			t.Fatalf("%s: status %d", path, w.Code)
		}
		role := "Basic user"
		if strings.HasPrefix(path, "/ar/") {
			role = "مستخدم أساسي"
		}
		checkSignedInFrame(t, path, doc(t, w), "Grace Hopper", role, "", false)
		if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") || w.Header().Get("ETag") != "" {
			t.Errorf("%s: a page naming its reader may be cached: Cache-Control %q, ETag %q", path, cc, w.Header().Get("ETag"))
		}
	}
	// The visitor's cached home page stays a visitor's.
	if d := doc(t, a.get(t, "/en/")); d.Find(".signed-in").Length() != 0 || strings.Contains(d.Text(), "Grace Hopper") {
		t.Error("a visitor sees the signed-in person's frame")
	}
	// Signed out: the frame says so at once.
	d := doc(t, a.post(t, "/en/account/logout", nil, c.headers()...))
	wantCount(t, d, "header .account-bar .login-link", 1)
}

func TestFrame_CookielessSessionActionsArePOSTFormsWithTheToken(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	agent := signInStaff(t, a, accounts.Agent, "Abe Agent", "abe@example.com", false)
	for _, path := range []string{"/en/account", "/en/desk", "/en/support/new"} {
		w := agent.send(t, path, nil)
		wantStatus(t, w, http.StatusOK)
		checkSignedInFrame(t, path, doc(t, w), "Abe Agent", "Support agent", agent.token, true)
	}
	// The first page after the login, too.
	usercode, err := a.accounts.CreateStaff(t.Context(), accounts.Admin, "Ada Admin", "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	w := (&journey{a: a}).activate(t, string(usercode), "amber falcon sings", false)
	wantStatus(t, w, http.StatusOK)
	d := doc(t, w)
	token := d.Find(`#main input[name="token"]`).First().AttrOr("value", "")
	checkSignedInFrame(t, "the first login", d, "Ada Admin", "Administrator", token, true)
	// A GET without the cookie has no session: the visitor's frame.
	wantCount(t, doc(t, a.get(t, "/en/")), "header .account-bar .login-link", 1)
}

func TestFrame_StaffPagesUseTheWorkLayout(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	admin := signInStaff(t, a, accounts.Admin, "Ada Admin", "admin@example.com", true)
	rc := guestTicket(t, a, "Lin", "lin@example.com", "login", "Printer", "On fire.")
	for _, path := range []string{"/en/desk", "/en/desk/tickets/" + rc.Reference, "/en/desk/topics", "/en/desk/canned", "/en/desk/outbox"} {
		d := doc(t, a.get(t, path, "Cookie", admin.cookie))
		wantCount(t, d, "body.work .frame-work > main#main", 1)
		if d.Find("aside.side, footer.footer").Length() != 0 {
			t.Errorf("%s: the work layout has the public side panels or footer", path)
		}
		checkSignedInFrame(t, path, d, "Ada Admin", "Administrator", "", true)
	}
	// The ticket's actions come before the conversation, with a jump to the reply.
	d := doc(t, a.get(t, "/en/desk/tickets/"+rc.Reference, "Cookie", admin.cookie))
	wantCount(t, d, `.desk-jump a[href="#reply-title"]`, 1)
	if html, _ := d.Find(".desk-ticket").Html(); strings.Index(html, `id="actions-title"`) > strings.Index(html, `id="conversation-title"`) {
		t.Error("the ticket's actions come after the conversation")
	}
	// Public pages keep the public frame.
	wantCount(t, doc(t, a.get(t, "/en/", "Cookie", admin.cookie)), "aside.side", 1)
}
